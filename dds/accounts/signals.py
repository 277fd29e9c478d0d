"""What accounts tells the apps above it, which it may not import (the apps depend in one direction)."""

from django.dispatch import Signal

# Sent by `user_merge` inside its transaction with `actor`, `user` (the account merged away) and `into` (the one
# kept): a receiver moves what `user` holds in its app to `into`, in the same transaction.
user_merged = Signal()
