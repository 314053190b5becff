"""Object storage for sealed adapter files: one place every process can reach.

Adapter weights memorise what a user wrote, so they are stored only sealed under
that user's data key (see :mod:`worker.store.adapters`); this module just keeps
named byte strings. Two backends, chosen by ``STORYLOOM_ADAPTER_STORE_URL``:

- the local filesystem (unset: ``<data dir>/adapters``; or ``file:///path``), for one
  host, or hosts that share a filesystem;
- an S3-compatible object store (``s3://bucket/prefix``: MinIO, SeaweedFS, AWS S3)
  through boto3, for Kubernetes and several hosts: every pod sees every adapter, and
  ``/forget`` on one pod deletes what another pod wrote.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

if TYPE_CHECKING:
    from worker.settings import Settings

logger = logging.getLogger(__name__)


class BlobUnavailable(RuntimeError):
    """The object store could not be reached or refused (transient: try again)."""


class BlobStore(Protocol):
    """Named byte strings ("user/version.sealed"), listed and deleted by prefix."""

    where: str

    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...

    def exists(self, name: str) -> bool: ...

    def names(self, prefix: str) -> list[str]: ...

    def delete_prefix(self, prefix: str) -> int: ...


class LocalBlobs:
    """Files under one folder; a write lands whole (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = f"file://{root}"

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("an object name must stay inside the store")
        return path

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def get(self, name: str) -> bytes | None:
        path = self._path(name)
        return path.read_bytes() if path.is_file() else None

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def names(self, prefix: str) -> list[str]:
        folder = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not folder.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in folder.rglob("*") if p.is_file())

    def delete_prefix(self, prefix: str) -> int:
        names = self.names(prefix)
        for name in names:
            self._path(name).unlink(missing_ok=True)
        folder = self._path(prefix.rstrip("/"))
        for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
            sub.rmdir()
        if folder.is_dir():
            folder.rmdir()
        return len(names)


class S3Blobs:
    """Objects in one bucket of an S3-compatible store, under a prefix."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client
        self.where = f"s3://{bucket}/{self.prefix}"
        self._bucket_ready = False

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise LookupError(kwargs.get("Key", "")) from exc
            raise BlobUnavailable(f"object store refused: {exc.response.get('Error')}") from exc
        except BotoCoreError as exc:
            raise BlobUnavailable(f"object store unreachable: {type(exc).__name__}") from exc

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            self._call(self.client.head_bucket, Bucket=self.bucket)
        except LookupError:
            self._call(self.client.create_bucket, Bucket=self.bucket)
            logger.info("created the adapter bucket %s", self.bucket)
        self._bucket_ready = True

    def put(self, name: str, data: bytes) -> None:
        self._ensure_bucket()
        self._call(self.client.put_object, Bucket=self.bucket, Key=self._key(name), Body=data)

    def get(self, name: str) -> bytes | None:
        try:
            reply = self._call(self.client.get_object, Bucket=self.bucket, Key=self._key(name))
        except LookupError:
            return None
        return bytes(reply["Body"].read())

    def exists(self, name: str) -> bool:
        try:
            self._call(self.client.head_object, Bucket=self.bucket, Key=self._key(name))
        except LookupError:
            return False
        return True

    def names(self, prefix: str) -> list[str]:
        start = self._key(prefix)
        out: list[str] = []
        token: str | None = None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            try:
                page = self._call(self.client.list_objects_v2, Bucket=self.bucket,
                                  Prefix=start, **extra)
            except LookupError:  # no bucket yet: nothing stored
                return []
            skip = len(self.prefix) + 1 if self.prefix else 0
            out += [o["Key"][skip:] for o in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sorted(out)
            token = page.get("NextContinuationToken")

    def delete_prefix(self, prefix: str) -> int:
        names = self.names(prefix)
        for i in range(0, len(names), 1000):
            chunk = [{"Key": self._key(n)} for n in names[i:i + 1000]]
            self._call(self.client.delete_objects, Bucket=self.bucket,
                       Delete={"Objects": chunk, "Quiet": True})
        return len(names)


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client for the configured endpoint (path-style: MinIO and SeaweedFS)."""
    import boto3
    from botocore.config import Config

    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return boto3.client(
        "s3", endpoint_url=settings.storyloom_s3_endpoint, region_name=settings.storyloom_s3_region,
        aws_access_key_id=secret(settings.storyloom_s3_access_key),
        aws_secret_access_key=secret(settings.storyloom_s3_secret_key),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                      connect_timeout=5, read_timeout=60),
    )


def open_blobs(settings: Settings) -> BlobStore:
    """The configured adapter store (the data folder's ``adapters`` when none is set)."""
    url = settings.storyloom_adapter_store_url
    if not url:
        return LocalBlobs(settings.storyloom_data_dir / "adapters")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobs(Path(parsed.path))
    if parsed.scheme == "s3" and parsed.netloc:
        return S3Blobs(parsed.netloc, parsed.path, s3_client(settings))
    raise ValueError("STORYLOOM_ADAPTER_STORE_URL must be s3://bucket/prefix or file:///path")
