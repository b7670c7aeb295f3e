"""A time-stamping authority for the tests: RFC 3161 responses built with asn1crypto and signed
with cryptography (an encoder independent of rfc3161-client, whose parser and verifier the suite
uses), served over HTTP on localhost as a TSA would be (RFC 3161 §3.4: a POST of
application/timestamp-query answered with application/timestamp-reply).

``TestTSA`` holds a root CA and a TSA certificate (extended key usage id-kp-timeStamping,
critical, RFC 3161 §2.3) and answers every request with a token over the request's imprint and
nonce, at ``clock()`` (a settable time, so a test can back-date the service)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

UTC = dt.timezone.utc


def _name(cn: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, public_key, signer, *, ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    start = dt.datetime(2020, 1, 1, tzinfo=UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    else:
        b = b.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)
    return b.sign(signer, hashes.SHA256())


class TestTSA:
    __test__ = False  # not a test class

    def __init__(self, name: str = "Test TSA") -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root = _name(f"{name} Root")
        self.ca = _cert(root, root, self.ca_key.public_key(), self.ca_key, ca=True)
        self.cert = _cert(_name(name), root, self.key.public_key(), self.ca_key, ca=False)
        self.now = dt.datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
        self.serial = 0
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None

    def write_ca(self, path: Path) -> Path:
        from cryptography.hazmat.primitives import serialization

        path.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))
        return path

    def reply(self, query: bytes) -> bytes:
        """The DER TimeStampResp for a DER TimeStampReq."""
        from asn1crypto import algos, cms, core, tsp
        from asn1crypto import x509 as ax509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        req = tsp.TimeStampReq.load(query)
        self.serial += 1
        self.requests += 1
        self.now += dt.timedelta(minutes=1)
        info = {
            "version": "v1",
            "policy": "1.3.6.1.4.1.99999.1",
            "message_imprint": req["message_imprint"],
            "serial_number": self.serial,
            "gen_time": self.now,
            "accuracy": {"seconds": 1},
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"].native
        tst_info = tsp.TSTInfo(info)
        content = tst_info.dump()
        cert = ax509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))
        ca = ax509.Certificate.load(self.ca.public_bytes(serialization.Encoding.DER))
        sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
        cert_id = {"hash_algorithm": sha256, "cert_hash": hashlib.sha256(cert.dump()).digest()}
        ess = tsp.SigningCertificateV2({"certs": [cert_id]})
        attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
                {"type": "signing_certificate_v2", "values": [ess]},
            ]
        )
        signature = self.key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": cert.issuer,
                            "serial_number": cert.serial_number,
                        }
                    }
                ),
                "digest_algorithm": sha256,
                "signed_attrs": attrs,
                "signature_algorithm": {"algorithm": "sha256_rsa"},
                "signature": signature,
            }
        )
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [sha256],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(content),
                },
                "certificates": [cert, ca] if req["cert_req"].native else [],
                "signer_infos": [signer],
            }
        )
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed})
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()

    # ---- served over HTTP ----------------------------------------------------------------

    def start(self) -> str:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = self.headers.get("Content-Type") == "application/timestamp-query"
                reply = tsa.reply(body) if ok else b""
                self.send_response(200 if ok else 415)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_port}/tsr"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
