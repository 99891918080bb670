"""The server the tests start: a test talks to the process it started, never to another
that took the picked port first."""
import http.server
import threading


class _Impostor(http.server.BaseHTTPRequestHandler):
    """Answers every request with 200, as a healthy server of another test would."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_a_port_taken_before_the_server_binds_it_is_exchanged_for_another(make_server):
    server = make_server()
    taken = server.port
    impostor = http.server.ThreadingHTTPServer(("127.0.0.1", taken), _Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    try:
        server.start()
        assert server.port != taken
        assert f"cannot listen on 127.0.0.1:{taken}" in server.log.read_text()
        admin = server.add_user("Acme", "admin@acme.com", "admin")
        # The impostor answers {} to anything; the server, with the team's setting.
        setting = admin.get("/settings/unsubscribe")
        assert setting.status_code == 200, setting.text
        assert setting.json()["marketo_check_enabled"] is False
    finally:
        impostor.shutdown()
        impostor.server_close()
