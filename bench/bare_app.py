"""A bare Starlette app answering a job-sized JSON body: the ceiling a worker count can
reach under the same uvicorn (bench/state.py runs it with 1 and 2 workers)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = (
    b'{"id":"job_2Ngd9KqLmRpW","type":"blog_post.generate","status":"processing","created_at":"2026-01-01T00:00:00Z",'
    b'"updated_at":"2026-01-01T00:00:05Z","progress":42,"message":"Writing","steps":[{"name":"outline","completed":true,'
    b'"active":false},{"name":"draft","completed":false,"active":true}]}'
)


async def job(request: Request) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/v1/jobs/{id}", job)])
