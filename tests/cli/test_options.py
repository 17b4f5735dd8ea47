"""`ServeOptions`: one reading of every option, from the command line or the environment."""

from __future__ import annotations

import argparse

import pytest

from jobmock import ServeOptions, SpecError
from jobmock.options import OPTIONS, add_arguments, from_env, read_options, workers_env


def test_workers_get_the_options_the_command_was_given() -> None:
    argv = ["stories", "--seed", "4", "--fixtures", "a.yaml", "--fixtures", "b", "--validate-responses",
            "--workers", "3", "--chaos", "0.25", "--control-token", "s3cret", "--plugin", "json"]  # fmt: skip
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    given = read_options(vars(parser.parse_args(argv)), {})
    again = from_env(workers_env(given))
    assert again == ServeOptions(**{**vars(given), "workers": 1})  # what only the parent does stays with it
    assert again.fixtures == ("a.yaml", "b") and again.chaos == 0.25 and again.plugins == ("json",)


def test_the_command_line_wins_and_the_environment_fills_the_rest() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    environ = {"JOBMOCK_CONTROL_TOKEN": "from-env", "JOBMOCK_SEED": "9", "JOBMOCK_MAX_JOBS": "7"}
    options = read_options(vars(parser.parse_args(["--seed", "3"])), environ)
    assert (options.seed, options.control_token, options.max_jobs) == (3, "from-env", 7)


BAD = {"port": "http", "seed": "1.5", "speed": "-1", "chaos": "1.5", "clock": "sundial", "workers": "0",
       "max_connections": "0", "keep_alive": "never", "header_timeout": "0", "max_namespaces": "-1",
       "namespace_ttl": "inf", "max_jobs": "0", "max_spot_jobs": "x", "journal_entries": "0", "journal_bytes": "0",
       "max_streams": "0", "stream_heartbeat": "nan", "cors_origins": "null"}  # fmt: skip


@pytest.mark.parametrize("option", [o for o in OPTIONS if o.name in BAD], ids=lambda o: o.flag)
def test_a_bad_value_names_its_option_and_value_from_either_source(option: object) -> None:
    from jobmock.options import Option

    assert isinstance(option, Option)
    value = BAD[option.name]
    given = {option.name: [value] if option.repeat else value}
    with pytest.raises(SpecError) as from_argv:
        read_options(given, {})
    assert from_argv.value.file == option.flag and from_argv.value.message.startswith(repr(value))
    with pytest.raises(SpecError) as from_environment:
        from_env({option.env: value})
    assert from_environment.value.file == option.env and from_environment.value.message == from_argv.value.message
