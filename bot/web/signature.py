"""Webhook signatures: X-Spark-Signature is a hex HMAC-SHA1 of the raw request body."""
import hashlib
import hmac

HEADER = "X-Spark-Signature"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def is_valid(secret: str, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip().lower())
