"""Structured logs: a request id on every line, one line per request, JSON in production."""

import json
import logging
import re
import sys
import time
import traceback
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is echoed into logs and headers, so only accept a plain token.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HANDLER_MARK = "_hyperdesk_handler"

request_logger = logging.getLogger("webapp.request")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served, or '-' outside one."""

    def filter(self, record):
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


# API keys (hdk_<prefix>_<secret>) and tokens (hdt_<signed>): only the visible prefix may reach a log.
SECRET = re.compile(r"\b(hdk_[0-9a-f]{8})_[A-Za-z0-9_\-]+|\bhdt_[A-Za-z0-9_.\-]+")


class SecretFilter(logging.Filter):
    """Cut API keys and tokens out of every line (a client may paste one in a URL, say), keeping a key's prefix."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: the handler reports it when it formats the line
        if "hdk_" in message or "hdt_" in message:
            record.msg = SECRET.sub(lambda m: f"{m.group(1)}_…" if m.group(1) else "hdt_…", message)
            record.args = ()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line, with any ``extra`` fields the caller passed."""

    RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
    converter = time.gmtime

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in self.RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# What could end a line or rewrite a terminal: C0 and C1 controls (CR, LF, ESC, NUL...) and Unicode's separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text):
    """``text`` with every control character written as its escape (``\\n``, ``\\x1b``), so it stays on one line."""
    if text.isprintable():
        return text  # the usual case, decided in C: a request line pays no more than this
    return CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, where a client's words cannot start a line of their own.

    Messages quote what clients send (a path, a provider's error): each is kept on its line,
    so no request can write a forged line (an ERROR, a traceback) into the log. A traceback
    keeps its lines, but each exception's own message in it is kept on one line too.
    """

    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record):
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei):
        text = super().formatException(ei)
        error, seen = ei[1], set()
        while error is not None and id(error) not in seen:  # the exception, then what caused it
            seen.add(id(error))
            described = "".join(traceback.format_exception_only(error)).rstrip("\n")
            if not described.isprintable():
                text = text.replace(described, one_line(described))
            error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        return text


def configure_logging(app):
    """Send every log line to stderr in the configured format, once per process."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _HANDLER_MARK, True)
        handler.addFilter(RequestIdFilter())
        handler.addFilter(SecretFilter())
        root.addHandler(handler)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root.setLevel(app.config["LOG_LEVEL"])
    if app.config["APP_ENV"] == "production":
        # No format here names the calling function, thread or process: skip finding them for every
        # record (the logging module's documented optimisations), a fifth of a request line's cost.
        # Elsewhere they stay, for pytest's and debuggers' file:line.
        logging._srcfile = None
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # Flask's own handler would print every app.logger line a second time.
    app.logger.handlers.clear()
    app.logger.propagate = True


def start_request():
    """Take the caller's request id when it is well formed, else make one; start the clock."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def finish_request(response):
    """Echo the request id and write the request's log line."""
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    if not request_logger.isEnabledFor(logging.INFO):
        return response  # no line would be written: build none
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    method, path, status = request.method, _loggable_path(), response.status_code
    request_logger.info(
        "%s %s %s %.1fms",
        method,
        path,
        status,
        duration_ms,
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )
    return response


def _loggable_path():
    """The request's path, with the route's pattern instead when the URL carries a secret (share and invitation links)."""
    rule = request.url_rule
    if rule is not None and "token" in rule.arguments:
        return rule.rule
    return request.path
