"""Runs S3 requests with boto3 for TransparencyIT, one per line of stdin, one answer per line of stdout.

A request is a JSON object: endpoint, signature ('s3' is SigV2, 's3v4' SigV4), op, bucket, key and
params (the operation's keyword arguments, with Body as text). The answer is one line of four
tab-separated fields: HTTP status, S3 error code (or -), SHA-256 of a successful GET's body (or -),
and a short detail. boto3 never retries here, so the status is the one the server sent.
Run with /usr/bin/python3: Debian's python3-boto3 installs there.
"""
import hashlib
import http.client
import json
import re
import sys
import urllib.parse

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as missing:
    print("boto3 is missing (%s): install python3-boto3 (apt-get install -y python3-boto3)" % missing,
          file=sys.stderr)
    sys.exit(3)

ACCESS_KEY = "5HQZO7EDOM4XBNO642GQ"
SECRET_KEY = "s3gate-demo-secret-key"
CLIENTS = {}


def client(endpoint, signature):
    key = (endpoint, signature)
    if key not in CLIENTS:
        CLIENTS[key] = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version=signature, s3={"addressing_style": "path"},
                          retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=30))
    return CLIENTS[key]


def clean(text):
    return re.sub(r"\s+", " ", str(text))[:300]


def raw(endpoint, method, url, body=None, headers=None):
    """One request with http.client, which adds no Content-Type of its own (urllib would)."""
    parsed = urllib.parse.urlsplit(url)
    target = parsed.path + ("?" + parsed.query if parsed.query else "")
    host = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    code = re.search(rb"<Code>([^<]*)</Code>", data)
    digest = hashlib.sha256(data).hexdigest() if method == "GET" and response.status == 200 else "-"
    return response.status, code.group(1).decode() if code else "-", digest, clean(data[:200].decode("utf-8", "replace"))


def multipart(fields, file_body):
    boundary = "boto3driverboundary7MA4YWxkTrZu0gW"
    parts = []
    for name, value in list(fields.items()) + [("file", file_body)]:
        disposition = 'form-data; name="%s"' % name + ('; filename="upload.txt"' if name == "file" else "")
        parts.append("--%s\r\nContent-Disposition: %s\r\n\r\n%s\r\n" % (boundary, disposition, value))
    body = ("".join(parts) + "--%s--\r\n" % boundary).encode("utf-8")
    return body, "multipart/form-data; boundary=" + boundary


def run(request):
    s3 = client(request["endpoint"], request["signature"])
    op, bucket, key, params = request["op"], request["bucket"], request.get("key"), request.get("params", {})
    if op == "presigned_get":
        url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600)
        return raw(request["endpoint"], "GET", url)
    if op == "presigned_put":
        extra = {k: v for k, v in params.items() if k != "Body"}
        url = s3.generate_presigned_url("put_object", Params=dict(Bucket=bucket, Key=key, **extra), ExpiresIn=600)
        headers = {"Content-Type": extra["ContentType"]} if "ContentType" in extra else {}
        return raw(request["endpoint"], "PUT", url, params.get("Body", "").encode("utf-8"), headers)
    if op == "presigned_post":
        post = s3.generate_presigned_post(bucket, key, Fields=params.get("Fields"),
                                          Conditions=params.get("Conditions"), ExpiresIn=600)
        body, content_type = multipart(post["fields"], params.get("Body", ""))
        return raw(request["endpoint"], "POST", post["url"], body, {"Content-Type": content_type})
    call = getattr(s3, op)
    arguments = dict(params)
    arguments["Bucket"] = bucket
    if key is not None:
        arguments["Key"] = key
    try:
        response = call(**arguments)
    except ClientError as error:
        return (error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"].get("Code", "-"),
                "-", clean(error.response["Error"].get("Message", "")))
    digest = "-"
    if "Body" in response:
        digest = hashlib.sha256(response["Body"].read()).hexdigest()
    return response["ResponseMetadata"]["HTTPStatusCode"], "-", digest, clean(response.get("ETag", ""))


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            status, code, digest, detail = run(json.loads(line))
        except Exception as failure:  # the answer says what went wrong; the test decides
            status, code, digest, detail = 0, "-", "-", clean("%s: %s" % (type(failure).__name__, failure))
        print("%s\t%s\t%s\t%s" % (status, code or "-", digest, detail or "-"), flush=True)


if __name__ == "__main__":
    main()
