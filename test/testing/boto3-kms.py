"""boto3/botocore against whatever endpoint the environment names (startTestServer sets AWS_ENDPOINT_URL_KMS and
AWS_ENDPOINT_URL): no endpoint_url, region or credentials in the code. Run by test/testing/server.test.ts; prints one
JSON object: for each way of naming the endpoint, what the client used and what KMS answered."""
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


result = {"botocore": __import__("botocore").__version__, "AWS_ENDPOINT_URL_KMS": exercise()}
# the generic variable alone (what startTestServer also sets when it is unset)
os.environ.pop("AWS_ENDPOINT_URL_KMS")
result["AWS_ENDPOINT_URL"] = exercise()
json.dump(result, sys.stdout)
