"""Reports and exports: pipeline, recruiter and cohort figures, streamed CSV/NDJSON/JSON exports."""
