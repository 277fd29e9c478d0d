"""What a folder's or a file's search document says, whichever backend keeps it."""

from metadata.selectors import with_metadata, with_tags


def descriptions(containers):
    """`{id: (tag labels as written, metadata lines "template.key value" in lower case)}`, in two queries."""
    labels = with_tags(containers)
    meta = with_metadata(containers)
    return {
        node.pk: (
            labels[node.pk],
            [
                f"{template}.{key} {value}".lower()
                for template, values in meta[node.pk].items()
                for key, value in values.items()
            ],
        )
        for node in containers
    }
