"""The reliability suite: faults made on throwaway servers while the app serves a bounded load (docs/operations.md)."""
