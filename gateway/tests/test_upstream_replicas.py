"""One service on several replicas: requests take them in turn, and one that refuses connections is
skipped, for POSTs too (a refused connection means the request never left)."""

import asyncio

from fastapi import FastAPI, Request

from gateway.upstream import AiohttpUpstream, CircuitBreaker
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer


def replica(name: str) -> ThreadedServer:
    app = FastAPI()

    @app.api_route("/who", methods=["GET", "POST"])
    async def who(request: Request):
        return {"replica": name, "method": request.method}

    return ThreadedServer(app).start()


def upstream(urls: list[str]) -> AiohttpUpstream:
    return AiohttpUpstream(
        "partners",
        ",".join(urls),
        connect_timeout=1,
        read_timeout=5,
        max_connections=10,
        retries=1,
        breaker=CircuitBreaker(failures=5, reset_seconds=5),
    )


def test_replicas_are_taken_in_turn_and_a_dead_one_is_skipped_even_for_a_post():
    a, b = replica("a"), replica("b")
    dead = f"http://127.0.0.1:{free_port()}"

    async def scenario():
        both = upstream([a.url, b.url])
        await both.start()
        try:
            answers = [await both.request("GET", "/who", headers=[]) for _ in range(4)]
        finally:
            await both.close()
        one_dead = upstream([dead, a.url])
        await one_dead.start()
        try:
            posts = [await one_dead.request("POST", "/who", headers=[], body=b"{}") for _ in range(6)]
        finally:
            await one_dead.close()
        return answers, posts

    try:
        answers, posts = asyncio.run(scenario())
    finally:
        a.stop()
        b.stop()
    assert [r.body for r in answers].count(b'{"replica":"a","method":"GET"}') == 2
    assert all(r.status == 200 and b'"replica":"a"' in r.body for r in posts)
