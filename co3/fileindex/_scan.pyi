from typing import Any

def list_dir(
    path: bytes, prefix: bytes, want_links: bool = ..., mark: bytes = ..., /
) -> tuple[list[Any], list[int]]: ...
