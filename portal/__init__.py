"""CCTV Warga project package: settings, URLs, task engines and shared helpers."""
