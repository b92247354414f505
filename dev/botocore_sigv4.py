"""Signs a botocore AWSRequest with botocore's own SigV4Auth at a pinned time: the shared core of the checkers
dev/sigv4-botocore.py (the signer's differential test) and dev/vault-aws-login-botocore.py (Vault's aws
login). Importing it raises ImportError when botocore is missing; the scripts turn that into exit status 3.
"""
import datetime
from unittest import mock

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials


class RecordingSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4Auth that remembers the canonical request it signed (add_auth does not return it)."""

    last_canonical_request = None

    def canonical_request(self, request):
        result = super().canonical_request(request)
        self.last_canonical_request = result
        return result


def sign(request, access_key, secret_key, token, service, region, epoch_seconds):
    """Signs `request` in place as of `epoch_seconds`; returns what was signed, for comparison."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, datetime.timezone.utc).replace(tzinfo=None)
    credentials = botocore.credentials.Credentials(access_key, secret_key, token)
    auth = RecordingSigV4Auth(credentials, service, region)
    # botocore >= 1.34 reads the clock through botocore.auth.get_current_datetime; older versions called
    # datetime.datetime.utcnow(), which botocore's own tests patch. Pin whichever this version uses.
    if hasattr(botocore.auth, "get_current_datetime"):
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
            auth.add_auth(request)
    else:  # pragma: no cover - old botocore
        with mock.patch.object(botocore.auth.datetime, "datetime", mock.Mock(wraps=datetime.datetime)) as clock:
            clock.utcnow.return_value = moment
            auth.add_auth(request)
    return {
        "authorization": request.headers.get("Authorization"),
        "xAmzDate": request.headers.get("X-Amz-Date"),
        "securityToken": request.headers.get("X-Amz-Security-Token"),
        "canonicalRequest": auth.last_canonical_request,
    }
