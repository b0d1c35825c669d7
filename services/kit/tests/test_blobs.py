"""The blob stores: what is put is read back whole, a deleted blob is gone, keys are never paths."""

import io

import pytest

from services.kit.blobs import FileBlobs, S3Blobs


class FakeS3:
    """The four calls S3Blobs makes, as boto3's S3 client answers them (boto3 itself is not installed
    here, and no S3 server: the adapter's calls are checked, not a real store)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def upload_fileobj(self, file, bucket, key):
        self.objects[bucket, key] = file.read()

    def get_object(self, Bucket, Key):
        data = self.objects[Bucket, Key]

        class Body(io.BytesIO):
            def iter_chunks(self, size):
                while chunk := self.read(size):
                    yield chunk

        return {"Body": Body(data)}

    def delete_object(self, Bucket, Key):
        self.objects.pop((Bucket, Key), None)


@pytest.fixture(params=["filesystem", "s3"])
def blobs(request, tmp_path):
    if request.param == "filesystem":
        return FileBlobs(tmp_path)
    return S3Blobs(FakeS3(), bucket="liaison", prefix="test/")


def test_a_blob_is_read_back_whole_and_deleted(blobs):
    content = bytes(range(256)) * 1000
    blobs.put("engagements/e1/a1", io.BytesIO(content))
    assert b"".join(blobs.open("engagements/e1/a1")) == content
    blobs.delete("engagements/e1/a1")
    blobs.delete("engagements/e1/a1")  # twice: nothing to do
    with pytest.raises((FileNotFoundError, KeyError)):
        b"".join(blobs.open("engagements/e1/a1"))


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../b", "a//b", "", "a/b c"])
def test_a_key_is_never_a_path_to_follow(blobs, key):
    with pytest.raises(ValueError, match="not a blob key"):
        blobs.put(key, io.BytesIO(b"x"))


def test_the_filesystem_store_leaves_no_partial_file_and_no_empty_folder(tmp_path):
    blobs = FileBlobs(tmp_path)

    class Failing(io.BytesIO):
        def read(self, size=-1):
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        blobs.put("engagements/e1/a1", Failing())
    assert [p.name for p in (tmp_path / "engagements" / "e1").iterdir()] == []
    blobs.delete("engagements/e1/a1")
    assert not (tmp_path / "engagements" / "e1").exists()
