#!/usr/bin/python3
"""tests/scan/control.py: a deliberately vulnerable web site, for make scan's
control run. It listens on 127.0.0.1 only (a free port, printed on the first
line of standard output) and holds nothing but a throwaway in-memory SQLite
table. It has, on purpose:

  GET  /note?id=1      SQL built from the query (SQL injection, errors shown)
  POST /search         SQL built from the form field "term" (SQL injection)
  GET  /hello?name=x   the name written back unescaped (reflected XSS)
  GET  /go?next=/      a redirect to wherever "next" says (open redirect)

tests/scan/scan.mjs runs sqlmap and wapiti against it with the options and
the output parsing of the real scan, and requires them to report these flaws:
so "0 findings" on Interlude means the tools and the parsing do work.
"""
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlparse

DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
DB.executemany("INSERT INTO notes (body) VALUES (?)", [("first note",), ("second note",), ("third",)])
LOCK = threading.Lock()

INDEX = b"""<!doctype html><html><head><title>control</title></head><body>
<a href="/note?id=1">a note</a> <a href="/hello?name=friend">hello</a> <a href="/go?next=/">home</a>
<form method="post" action="/search"><input name="term" value="note"><button>Search</button></form>
</body></html>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_page(self, status, body, headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def query(self, sql):
        try:
            with LOCK:
                rows = DB.execute(sql).fetchall()
            return 200, "<ul>" + "".join("<li>%s</li>" % r[0] for r in rows) + "</ul>"
        except sqlite3.Error as err:
            return 500, "<pre>%s.%s: %s</pre><pre>%s</pre>" % (type(err).__module__, type(err).__name__, err, sql)

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/":
            self.send_page(200, INDEX)
        elif url.path == "/note":
            self.send_page(*self.query("SELECT body FROM notes WHERE id = %s" % q.get("id", "1")))
        elif url.path == "/hello":
            self.send_page(200, "<p>Hello %s</p>" % q.get("name", ""))
        elif url.path == "/go":
            # Percent-encoded, as any real server sends it (a raw non-ASCII
            # Location makes the requests library, and so wapiti, fail).
            self.send_page(302, "", {"Location": quote(q.get("next", "/"), safe=":/?=&%#@!$'()*+,;")})
        else:
            self.send_page(404, "not found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace")).items()}
        if urlparse(self.path).path == "/search":
            self.send_page(*self.query("SELECT body FROM notes WHERE body LIKE '%%%s%%'" % form.get("term", "")))
        else:
            self.send_page(404, "not found")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
