"""`civicard sip2-server --port 6001 [--certificate cert.pem --key key.pem]`: the SIP2 server
for self-check kiosks and gates of the built-in libraries."""

from django.core.management.base import BaseCommand

from civicard.library.sip2 import Server


class Command(BaseCommand):
    help = "Answer self-check kiosks and security gates over SIP2 (plain TCP or TLS)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=6001)
        parser.add_argument("--certificate", help="PEM certificate: serve TLS instead of TCP")
        parser.add_argument("--key", help="PEM private key of the certificate")

    def handle(self, *args, host, port, certificate, key, **options):
        server = Server((host, port), certfile=certificate, keyfile=key)
        self.stdout.write(f"SIP2 server on {host}:{port}{' (TLS)' if certificate else ''}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
