"""Mints a Twilio Video access token with Twilio's official helper library and checks ours.

Run by tests/twilio_helper.rs with the Python of a venv that has `twilio` and `PyJWT`. Reads one
JSON object on stdin (account_sid, api_key_sid, secret, wrong_secret, identity, room, ttl,
token: ours) and writes one JSON object on stdout:

- helper: the header and claims of the token that twilio.jwt.access_token.AccessToken with a
  VideoGrant mints for the same inputs;
- ours_header, ours_claims: our token as PyJWT reads it, the signature, exp, nbf and issuer
  checked with the secret;
- ours_wrong_secret: what PyJWT says of our token with another secret;
- ours_twilio_decoder: our token's payload as the helper library's own decoder
  (twilio.jwt.Jwt.from_jwt, signature checked with the secret) reads it;
- versions: of twilio and PyJWT.
"""

import json
import sys

import jwt
import twilio
from twilio.jwt import Jwt
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VideoGrant

inputs = json.load(sys.stdin)

helper = AccessToken(
    inputs["account_sid"],
    inputs["api_key_sid"],
    inputs["secret"],
    identity=inputs["identity"],
    ttl=inputs["ttl"],
)
helper.add_grant(VideoGrant(room=inputs["room"]))
helper_token = helper.to_jwt()

ours = inputs["token"]
ours_claims = jwt.decode(
    ours,
    inputs["secret"],
    algorithms=["HS256"],
    issuer=inputs["api_key_sid"],
    options={"require": ["exp", "nbf", "iss", "sub"]},
)
try:
    jwt.decode(ours, inputs["wrong_secret"], algorithms=["HS256"])
    wrong = "accepted"
except jwt.InvalidTokenError as error:
    wrong = type(error).__name__

json.dump(
    {
        "helper": {
            "header": jwt.get_unverified_header(helper_token),
            "claims": jwt.decode(helper_token, inputs["secret"], algorithms=["HS256"]),
        },
        "ours_header": jwt.get_unverified_header(ours),
        "ours_claims": ours_claims,
        "ours_wrong_secret": wrong,
        "ours_twilio_decoder": Jwt.from_jwt(ours, key=inputs["secret"]).payload,
        "versions": {"twilio": twilio.__version__, "pyjwt": jwt.__version__},
    },
    sys.stdout,
)
