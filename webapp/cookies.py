"""The signed session cookie, as Flask signs it, with its signing keys derived once per process."""

from functools import lru_cache

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import Signer, TimestampSigner, URLSafeTimedSerializer

# Keys derived from the secret and its fallbacks: a process has one secret, a rotation adds one.
KEYS_KEPT = 8


class KeptKeySigner(TimestampSigner):
    """itsdangerous's timestamp signer, deriving each secret's key once instead of at every signature (an HMAC each)."""

    def derive_key(self, secret_key=None):
        return _derived(self.key_derivation, self.digest_method, self.salt, secret_key or self.secret_keys[-1])


@lru_cache(maxsize=KEYS_KEPT)
def _derived(key_derivation, digest_method, salt, secret_key):
    return Signer(secret_key, salt, key_derivation=key_derivation, digest_method=digest_method).derive_key()


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session: the same cookie, its serializer built once per secret (not twice a request)."""

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        return _serializer(
            tuple(app.config["SECRET_KEY_FALLBACKS"] or ()) + (app.secret_key,),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )


@lru_cache(maxsize=KEYS_KEPT)
def _serializer(keys, salt, serializer, key_derivation, digest_method):
    return URLSafeTimedSerializer(
        list(keys),
        salt=salt,
        serializer=serializer,
        signer=KeptKeySigner,
        signer_kwargs={"key_derivation": key_derivation, "digest_method": digest_method},
    )
