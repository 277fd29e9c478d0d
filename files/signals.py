"""What files tells the apps above it, which it may not import (the apps depend in one direction)."""

from django.dispatch import Signal

# Sent with `node` inside the transaction that moves a folder or a file to the trash (a write that no post_save
# announces): a folder's contents follow it there in the steps of its deletion.
trashed = Signal()
