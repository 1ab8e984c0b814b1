"""boto3/botocore against whatever endpoint the environment names (startTestServer sets AWS_ENDPOINT_URL_KMS and
AWS_ENDPOINT_URL): no endpoint_url, region or credentials in the code. Run by test/testing/server.test.ts; prints one
JSON object: for each way of naming the endpoint, what the client used and what KMS answered. With the argument
`signed` (a server with credentials): the calls signed by the environment's access key, then what a wrong secret and
an unknown access key are answered."""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError


def exercise():
    kms = boto3.session.Session().client("kms")  # a new session reads the environment again
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Description="boto3")["KeyMetadata"]
    message = b"from boto3"
    mac = kms.generate_mac(KeyId=key["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_256")["Mac"]
    valid = kms.verify_mac(KeyId=key["KeyId"], Message=message, Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"]
    kms.disable_key(KeyId=key["KeyId"])
    try:
        kms.generate_mac(KeyId=key["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_256")
        error = None
    except ClientError as e:
        error = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}
    return {
        "endpoint": kms.meta.endpoint_url,
        "region": kms.meta.region_name,
        "keyId": key["KeyId"],
        "keyArn": key["Arn"],
        "macValid": valid,
        "macHex": mac.hex(),
        "error": error,
    }


def refused(access_key_id, secret_access_key):
    """The error code of a ListKeys signed with these credentials (None when it succeeds)."""
    session = boto3.session.Session(aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key)
    try:
        session.client("kms").list_keys()
        return None
    except ClientError as e:
        return e.response["Error"]["Code"]


if sys.argv[1:] == ["signed"]:
    # against a server with credentials: the access key in the environment signs everything (SigV4 verified), then
    # the same access key with a wrong secret, and an access key the server does not know
    result = {
        "botocore": __import__("botocore").__version__,
        "signed": exercise(),
        "wrongSecret": refused(os.environ["AWS_ACCESS_KEY_ID"], "not-the-secret"),
        "unknownAccessKey": refused("AKIDNOBODY", os.environ["AWS_SECRET_ACCESS_KEY"]),
    }
else:
    result = {"botocore": __import__("botocore").__version__, "AWS_ENDPOINT_URL_KMS": exercise()}
    # the generic variable alone (what startTestServer also sets when it is unset)
    os.environ.pop("AWS_ENDPOINT_URL_KMS")
    result["AWS_ENDPOINT_URL"] = exercise()
json.dump(result, sys.stdout)
