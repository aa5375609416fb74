"""The SIP2 server over TLS with a given certificate (no database needed: a malformed message
is answered before any lookup)."""

import datetime
import ipaddress
import socket
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from civicard.library.sip2 import start


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_the_server_speaks_tls_with_the_certificate_given(tmp_path):
    cert, key = _self_signed(tmp_path)
    server, _thread = start("127.0.0.1", 0, certfile=cert, keyfile=key)
    try:
        context = ssl.create_default_context(cafile=cert)
        port = server.server_address[1]
        idle = socket.create_connection(("127.0.0.1", port))  # never starts its handshake…
        with idle, socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:  # …nor blocks us
            assert sock.version() in ("TLSv1.2", "TLSv1.3")
            sock.sendall(b"zz\r")
            assert sock.recv(10) == b"96\r"
    finally:
        server.shutdown()
        server.server_close()
