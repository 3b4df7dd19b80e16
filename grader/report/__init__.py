"""Turning results into what people and tools read: terminal, JSON, CSV, Gradescope, pages."""
