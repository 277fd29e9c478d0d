"""What the filesystem backend holds for an upload, read off the disk: a non-chunked upload's object file, or a
chunked upload's chunk files in number order (they are its object)."""


def upload_folder(storage_root, provider_id, project_id):
    return storage_root / str(provider_id) / str(project_id)


def chunk_files(storage_root, provider_id, project_id, upload_id):
    folder = upload_folder(storage_root, provider_id, project_id) / f"{upload_id}.chunks"
    return sorted(folder.glob("[0-9]*"), key=lambda path: int(path.name))


def stored_bytes(storage_root, provider_id, project_id, upload_id):
    target = upload_folder(storage_root, provider_id, project_id) / str(upload_id)
    if target.is_file():
        return target.read_bytes()
    return b"".join(path.read_bytes() for path in chunk_files(storage_root, provider_id, project_id, upload_id))
