"""A model server with SageMaker's serving contract, runnable as a real local HTTP server.

SageMaker sends ``GET /ping`` to check health and ``POST /invocations`` to
predict; this server answers both the same way, so the canary test that runs
it locally exercises the same contract a SageMaker endpoint would.

``POST /invocations`` accepts ``application/json`` (``{"instances": [record,
...]}`` or a bare list of records) and ``text/csv`` (a header line with the
feature columns, then rows). It answers with :data:`RESPONSE_SCHEMA`::

    {"modelVersion": "3f2a...", "predictions": [{"churnProbability": 0.81, "churn": true}]}

Errors are JSON too (:data:`ERROR_SCHEMA`): 400 for a body that cannot be read
as records, 413 for a body over the size limit, 415 for another content type,
404 for another path, 500 when the model fails; the server keeps serving.

Run it: ``python -m churn.serve --model model.tar.gz --port 8080`` (``--port 0``
picks a free port and prints it).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd

from churn.exceptions import ChurnError, DataError

DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024  # SageMaker's own payload limit for real-time endpoints
JSON_TYPES = ("application/json",)
CSV_TYPES = ("text/csv",)

#: JSON Schema of a successful ``/invocations`` response.
RESPONSE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["modelVersion", "predictions"],
    "additionalProperties": False,
    "properties": {
        "modelVersion": {"type": "string", "minLength": 1},
        "predictions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["churnProbability", "churn"],
                "additionalProperties": False,
                "properties": {
                    "churnProbability": {"type": "number", "minimum": 0, "maximum": 1},
                    "churn": {"type": "boolean"},
                },
            },
        },
    },
}

#: JSON Schema of every error response.
ERROR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
            },
        }
    },
}


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status and JSON body."""

    status: int
    body: dict[str, Any]


def error_reply(status: HTTPStatus, message: str) -> Reply:
    """Build a JSON error answer in the shape of :data:`ERROR_SCHEMA`."""
    code = status.phrase.lower().replace(" ", "-")
    return Reply(
        status.value, {"error": {"status": status.value, "code": code, "message": message}}
    )


def parse_records(content_type: str, body: bytes) -> pd.DataFrame:
    """Turn a request body into a table of customer records.

    Args:
        content_type: The request's media type (parameters such as charset ignored).
        body: The raw body.

    Returns:
        One row per record.

    Raises:
        DataError: The body cannot be read as records of this content type.
    """
    if content_type in CSV_TYPES:
        from churn.validate import read_csv

        return read_csv(body, source="request body")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError("request body", f"not valid JSON ({error})") from None
    records = payload.get("instances") if isinstance(payload, dict) else payload
    if not isinstance(records, list) or not records:
        raise DataError(
            "request body",
            'expected {"instances": [record, ...]} or a list of records, with at least one',
        )
    if not all(isinstance(record, dict) for record in records):
        raise DataError("request body", "every record must be a JSON object of feature values")
    return pd.DataFrame.from_records(records)


class ModelService:
    """The server's logic, without HTTP: a loaded model and the request limits.

    Attributes:
        model: A loaded :class:`churn.model.ChurnModel`.
        max_body_bytes: Largest request body accepted.
    """

    def __init__(self, model: Any, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.model = model
        self.max_body_bytes = max_body_bytes

    def ping(self) -> Reply:
        """Health check: the model is loaded and answers."""
        return Reply(HTTPStatus.OK, {"status": "healthy", "modelVersion": self.model.version})

    def invoke(self, content_type: str, body: bytes) -> Reply:
        """Predict for the records in ``body``; every failure becomes a JSON error reply."""
        media_type = content_type.split(";")[0].strip().lower()
        if media_type not in JSON_TYPES + CSV_TYPES:
            return error_reply(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"content type {media_type or '(none)'!r} is not supported; "
                "send application/json or text/csv",
            )
        try:
            frame = parse_records(media_type, body)
            probabilities = self.model.predict_proba(frame)
        except ChurnError as error:
            return error_reply(HTTPStatus.BAD_REQUEST, str(error))
        except Exception as error:  # a broken model must not take the server down
            return error_reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                f"the model failed to predict ({type(error).__name__}: {error})",
            )
        predictions = [
            {"churnProbability": round(float(p), 6), "churn": bool(p >= 0.5)} for p in probabilities
        ]
        return Reply(
            HTTPStatus.OK, {"modelVersion": self.model.version, "predictions": predictions}
        )


def make_handler(service: ModelService) -> type[BaseHTTPRequestHandler]:
    """Build the request handler class bound to ``service``."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "churn-serve"
        protocol_version = "HTTP/1.1"

        def _send(self, reply: Reply) -> None:
            data = json.dumps(reply.body).encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._send(service.ping())
            else:
                self._send(error_reply(HTTPStatus.NOT_FOUND, f"no such path {self.path!r}"))

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self.close_connection = True
                self._send(error_reply(HTTPStatus.BAD_REQUEST, "Content-Length is not a number"))
                return
            if self.path != "/invocations":
                self._discard(length)
                self._send(error_reply(HTTPStatus.NOT_FOUND, f"no such path {self.path!r}"))
            elif length > service.max_body_bytes:
                # Refuse without reading the body, then close: the rest of it
                # would otherwise be read as the next request.
                self.close_connection = True
                self._send(
                    error_reply(
                        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"the body is {length:,} bytes; the limit is {service.max_body_bytes:,}",
                    )
                )
            else:
                body = self.rfile.read(length)
                self._send(service.invoke(self.headers.get("Content-Type", ""), body))

        def _discard(self, length: int) -> None:
            if length <= service.max_body_bytes:
                self.rfile.read(length)
            else:
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"churn.serve: {format % args}\n")

    return Handler


def make_server(
    service: ModelService, host: str = "127.0.0.1", port: int = 8080
) -> ThreadingHTTPServer:
    """Bind a threading HTTP server for ``service``; port 0 picks a free one."""
    server = ThreadingHTTPServer((host, port), make_handler(service))
    server.daemon_threads = True
    return server


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m churn.serve --model PATH --port N``."""
    parser = argparse.ArgumentParser(
        prog="python -m churn.serve", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", required=True, type=Path, help="model.tar.gz to serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", default=8080, type=int, help="port; 0 picks a free one")
    parser.add_argument(
        "--max-body-bytes", default=DEFAULT_MAX_BODY_BYTES, type=int, help="largest request body"
    )
    args = parser.parse_args(argv)
    from churn.model import load_model

    try:
        model = load_model(args.model)
        server = make_server(ModelService(model, args.max_body_bytes), args.host, args.port)
    except ChurnError as error:
        print(f"churn.serve: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:
        print(
            f"churn.serve: cannot listen on {args.host}:{args.port} ({error.strerror})",
            file=sys.stderr,
        )
        return 2
    host, port = server.server_address[:2]
    print(
        f"Serving model {model.version} on http://{host}:{port} (GET /ping, POST /invocations)",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
