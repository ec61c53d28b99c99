"""Candidate resumes: upload, download, extracted text."""
