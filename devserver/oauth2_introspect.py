#!/usr/bin/env python3
"""Tiny OAuth2 token-introspection endpoint (RFC 7662 style) for the mailwire devserver.

Dovecot's `passdb { driver = oauth2 }` POSTs `token=<access token>` here and reads the
JSON answer. Token scheme (documented in devserver/README.md):

  token-<user>            active, {"active": true, "email": "<user>@localhost", ...}
  token-<user>-<anything> active as well (lets tests make distinct or very long tokens)
  expired-<user>          {"active": false}            (a revoked/expired token)
  idp-error               HTTP 503                     (identity provider failure)
  anything else           {"active": false}

<user> must be one of the devserver users (listed in the users file given with --users);
a well-formed token for an unknown user is inactive. Unknown tokens get 200 with
{"active": false}: Dovecot treats a 4xx as a temporary failure, not a rejection.

Stdlib only. Usage: oauth2_introspect.py --port PORT --users FILE [--domain localhost] [--pidfile F]
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_RE = re.compile(r"^token-([A-Za-z0-9_.]+?)(?:-.*)?$", re.S)


class Handler(BaseHTTPRequestHandler):
    server_version = "mailwire-introspect/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # one line per request to stderr (redirected to a log)
        sys.stderr.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))

    def _token_from_request(self, body):
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        query = urllib.parse.urlsplit(self.path).query
        for source in (body, query):
            if source:
                fields = urllib.parse.parse_qs(source, keep_blank_values=True)
                for key in ("token", "access_token"):
                    if key in fields:
                        return fields[key][0]
        # GET mode appends the token to the URL path: /introspect/<token> or /introspect?<token>
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/introspect/"):
            return urllib.parse.unquote(path[len("/introspect/"):])
        return ""

    def _answer(self, token):
        users = self.server.users
        domain = self.server.domain
        if token == "idp-error":
            return 503, {"error": "temporarily_unavailable"}
        m = TOKEN_RE.match(token)
        if m and m.group(1) in users:
            user = m.group(1)
            now = int(time.time())
            return 200, {
                "active": True,
                "email": "%s@%s" % (user, domain),
                "username": user,
                "sub": user,
                "scope": "https://mail.google.com/ email",
                "token_type": "Bearer",
                "iat": now,
                "exp": now + 3600,
            }
        return 200, {"active": False}

    def _handle(self, body):
        token = self._token_from_request(body)
        status, obj = self._answer(token)
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        self._handle(body)

    def do_GET(self):
        if urllib.parse.urlsplit(self.path).path == "/health":
            data = b"ok\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self._handle("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--users", required=True, help="file with one user name per line")
    ap.add_argument("--domain", default="localhost")
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    with open(args.users) as f:
        users = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.users = users
    server.domain = args.domain
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(args.pidfile + ".tmp", args.pidfile)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
