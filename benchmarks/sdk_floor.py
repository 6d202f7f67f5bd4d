"""The floor for the client's CPU: the bare openai SDK sending the same requests at the same
concurrency against the same stand-in, and nothing else (no store, no validation, no limiter).

    python benchmarks/sdk_floor.py REQUESTS.json --base-url URL --concurrency C [--post]

With --post, requests go through the SDK's generic `post` (as summarizer's client sends them)
instead of `chat.completions.create`, which re-walks every body against its TypedDicts.

REQUESTS.json holds {"model": ..., "response_format": ..., "messages": [[...], ...]}, written by
bench.py from the very prompts the digest sends. `concurrency` workers pull from one iterator, so
the floor pays for no task per request either. The parent measures this process's user + sys
time (wait4); the line printed on stdout is the count of answers and failures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from typing import Any

import openai
from openai.types.chat import ChatCompletion


async def send_all(
    spec: dict[str, Any], *, base_url: str, concurrency: int, post: bool
) -> tuple[int, int]:
    client = openai.AsyncOpenAI(api_key="sk-bench-local-stand-in", base_url=base_url)
    requests: Iterator[list[dict[str, str]]] = iter(spec["messages"])
    answered = failed = 0

    async def worker() -> None:
        nonlocal answered, failed
        for messages in requests:
            try:
                if post:
                    body = {"model": spec["model"], "messages": messages}
                    body["response_format"] = spec["response_format"]
                    response = await client.post(
                        "/chat/completions", cast_to=ChatCompletion, body=body
                    )
                else:
                    response = await client.chat.completions.create(
                        model=spec["model"],
                        messages=messages,  # type: ignore[arg-type]
                        response_format=spec["response_format"],
                    )
            except openai.APIError:
                failed += 1
                continue
            answered += response.choices[0].message.content is not None

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await client.close()
    return answered, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requests")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--post", action="store_true", help="the SDK's generic post, no create")
    args = parser.parse_args()
    with open(args.requests, encoding="utf-8") as file:
        spec = json.load(file)
    answered, failed = asyncio.run(
        send_all(spec, base_url=args.base_url, concurrency=args.concurrency, post=args.post)
    )
    print(json.dumps({"answered": answered, "failed": failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
