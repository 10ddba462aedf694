#!/usr/bin/env python3
"""A typical wechatpy + Flask safe-mode receiver, for benches/wechat_vs_wechatpy.sh.

It is the receiver wechatpy's documentation shows: check `signature`, let
`WeChatCrypto.decrypt_message` check `msg_signature` and decrypt, parse the
message with `parse_message`, answer "success". By default it stores
nothing (that is the typical sample, and what the ~400 pushes/s figure
describes); with --sqlite PATH each push is inserted and committed
(synchronous=FULL) before the answer, which is what omnilisten promises.

Served by Flask's built-in server with threads (`app.run(threaded=True)`,
Werkzeug; HTTP/1.1 keep-alive), or by gunicorn when --gunicorn is given and
gunicorn is installed (`gthread` workers, so connections are kept alive).

usage: wechatpy_server.py --port P --token-file F --aes-key-file F --app-id ID
                          [--sqlite PATH] [--gunicorn WORKERS]
"""

import argparse
import logging
import sqlite3
import threading

from flask import Flask, abort, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def make_app(token, aes_key, app_id, sqlite_path=None):
    app = Flask(__name__)
    crypto = WeChatCrypto(token, aes_key, app_id)
    local = threading.local()

    def db():
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(sqlite_path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS push (msg_id TEXT, sender TEXT, content TEXT, "
                "PRIMARY KEY (msg_id, sender))"
            )
            local.conn = conn
        return conn

    @app.route("/wechat", methods=["GET", "POST"])
    def wechat():
        signature = request.args.get("signature", "")
        timestamp = request.args.get("timestamp", "")
        nonce = request.args.get("nonce", "")
        try:
            check_signature(token, signature, timestamp, nonce)
        except InvalidSignatureException:
            abort(403)
        if request.method == "GET":
            return request.args.get("echostr", "")
        encrypt_type = request.args.get("encrypt_type", "raw")
        if encrypt_type == "raw":
            msg = parse_message(request.data)
        else:
            msg_signature = request.args.get("msg_signature", "")
            try:
                xml = crypto.decrypt_message(request.data, msg_signature, timestamp, nonce)
            except (InvalidSignatureException, InvalidAppIdException):
                abort(403)
            msg = parse_message(xml)
        if sqlite_path:
            conn = db()
            with conn:
                conn.execute(
                    "INSERT OR IGNORE INTO push VALUES (?, ?, ?)",
                    (str(msg.id), msg.source, getattr(msg, "content", "")),
                )
        return "success"

    @app.route("/healthz")
    def healthz():
        return "ok"

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--aes-key-file", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--sqlite")
    parser.add_argument("--gunicorn", type=int, metavar="WORKERS")
    args = parser.parse_args()
    app = make_app(
        read(args.token_file), read(args.aes_key_file), args.app_id, args.sqlite
    )
    if args.gunicorn:
        from gunicorn.app.base import BaseApplication

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"127.0.0.1:{args.port}")
                self.cfg.set("workers", args.gunicorn)
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("threads", 8)
                self.cfg.set("keepalive", 75)
                self.cfg.set("accesslog", None)
                self.cfg.set("loglevel", "warning")

            def load(self):
                return app

        Server().run()
    else:
        # The request log would be one line per push on stderr.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app.run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    main()
