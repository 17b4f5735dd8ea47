"""jobmock: an OpenAPI-driven stateful mock and contract tester for asynchronous job APIs."""

__version__ = "0.1.0"
