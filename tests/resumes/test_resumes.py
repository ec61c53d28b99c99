from __future__ import annotations

import pytest

from recruitiq.config import Settings
from tests.messaging.people import add_candidate
from tests.resumes.files import WINDOWS_EXE, docx_with, pdf_with_text, plain_zip
from tests.support import assert_error, event_types, field_errors

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data", resume_max_bytes=64 * 1024)


def upload(tenant, candidate_id, data, name="resume.pdf", content_type="application/pdf", **kwargs):
    return tenant.client.put(
        f"/api/v1/candidates/{candidate_id}/resume",
        files={"file": (name, data, content_type)},
        headers=kwargs.pop("headers", tenant.headers),
    )


def stored_files(settings: Settings) -> list:
    root = settings.data_dir / "resumes"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_pdf_upload_download_text_and_events(client, tenant, settings):
    candidate = add_candidate(tenant, "Ada", "Lovelace")
    pdf = pdf_with_text("Ada Lovelace - Analytical Engine programmer")
    response = upload(tenant, candidate["id"], pdf, name="../../etc/Ada CV.pdf", content_type="text/plain")
    assert response.status_code == 200, response.text
    resume_url = response.json()["candidate"]["resumeUrl"]
    assert resume_url.endswith(f"/api/v1/candidates/{candidate['id']}/resume")
    assert tenant.get(f"/api/v1/candidates/{candidate['id']}").json()["candidate"]["resumeUrl"] == resume_url

    download = tenant.get(f"/api/v1/candidates/{candidate['id']}/resume")
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-type"] == PDF_TYPE
    assert download.headers["content-disposition"] == "attachment; filename*=utf-8''Ada%20CV.pdf"
    assert download.headers["x-content-type-options"] == "nosniff"

    text = tenant.get(f"/api/v1/candidates/{candidate['id']}/resume/text").json()
    assert text["success"] is True and "Analytical Engine programmer" in text["text"]
    assert text["characters"] == len(text["text"])

    [path] = stored_files(settings)
    assert path.parent == settings.data_dir / "resumes" / tenant.organization_id / candidate["id"]
    assert path.suffix == ".pdf" and "Ada" not in path.name and "etc" not in str(path.relative_to(settings.data_dir))
    assert event_types(client, tenant) == ["candidate.created", "candidate.updated"]


def test_docx_and_text_resumes_replace_each_other(client, tenant, settings):
    candidate = add_candidate(tenant)
    docx = docx_with(["Grace Hopper", "COBOL and compilers"], [["Skill", "Years"], ["Fortran", "12"]])
    first = upload(tenant, candidate["id"], docx, name="cv.docx", content_type="application/octet-stream")
    assert first.status_code == 200, first.text
    text = tenant.get(f"/api/v1/candidates/{candidate['id']}/resume/text").json()["text"]
    assert "COBOL and compilers" in text and "Fortran\t12" in text
    download = tenant.get(f"/api/v1/candidates/{candidate['id']}/resume")
    assert download.headers["content-type"] == DOCX_TYPE and download.content == docx
    [docx_path] = stored_files(settings)

    plain = "Café résumé — naïve UTF-8 text\nsecond line\n".encode()
    second = upload(tenant, candidate["id"], plain, name="notes.pdf", content_type=PDF_TYPE)
    assert second.status_code == 200, second.text
    download = tenant.get(f"/api/v1/candidates/{candidate['id']}/resume")
    assert download.headers["content-type"] == "text/plain; charset=utf-8" and download.content == plain
    assert download.headers["content-disposition"] == 'attachment; filename="notes.txt"'
    text = tenant.get(f"/api/v1/candidates/{candidate['id']}/resume/text").json()
    assert text["text"] == "Café résumé — naïve UTF-8 text\nsecond line"
    # The replaced file is removed once the replacement committed.
    assert not docx_path.exists() and len(stored_files(settings)) == 1
    assert event_types(client, tenant) == ["candidate.created", "candidate.updated", "candidate.updated"]


def test_non_ascii_file_name_is_encoded_safely(client, tenant, settings):
    candidate = add_candidate(tenant)
    upload(tenant, candidate["id"], b"plain resume", name='Jos\u00e9 "M\u00fcller"\r\nX-Evil: 1.txt')
    disposition = tenant.get(f"/api/v1/candidates/{candidate['id']}/resume").headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition and '"' not in disposition
    assert disposition.startswith("attachment; filename*=utf-8''Jos%C3%A9%20")


def test_display_names_keep_no_path_control_characters_or_quotes():
    from recruitiq.resumes.formats import PDF, TXT
    from recruitiq.resumes.service import display_name

    assert display_name('..\\..\\C:\\evil/Ada "CV"\r\nX-Evil: 1.exe', PDF) == "Ada CVX-Evil: 1.pdf"
    assert display_name(None, TXT) == "resume.txt"
    assert display_name("...", TXT) == "resume.txt"


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (WINDOWS_EXE, "resume.pdf", "application/pdf"),
        (plain_zip(), "resume.docx", DOCX_TYPE),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "photo.txt", "text/plain"),
        (b"latin-1 \xe9t\xe9 text", "resume.txt", "text/plain"),
        (b"%PDF-1.7\nthis is not really a pdf", "resume.pdf", "application/pdf"),
    ],
    ids=["exe-named-pdf", "zip-named-docx", "png-named-txt", "not-utf8", "broken-pdf"],
)
def test_spoofed_or_unsupported_files_are_415_and_store_nothing(client, tenant, settings, data, name, content_type):
    candidate = add_candidate(tenant)
    assert_error(upload(tenant, candidate["id"], data, name=name, content_type=content_type), 415, "unsupported_media_type")
    assert stored_files(settings) == []
    assert tenant.get(f"/api/v1/candidates/{candidate['id']}").json()["candidate"]["resumeUrl"] is None
    assert event_types(client, tenant) == ["candidate.created"]


def test_too_large_is_413_and_empty_or_missing_file_is_422(client, tenant, settings):
    candidate = add_candidate(tenant)
    big = b"a" * (settings.resume_max_bytes + 1)
    assert_error(upload(tenant, candidate["id"], big, name="big.txt"), 413, "payload_too_large")
    huge = b"a" * (settings.resume_max_bytes * 3)
    assert_error(upload(tenant, candidate["id"], huge, name="huge.txt"), 413, "payload_too_large")
    assert upload(tenant, candidate["id"], b"a" * settings.resume_max_bytes, name="ok.txt").status_code == 200
    assert field_errors(upload(tenant, candidate["id"], b"", name="empty.txt")) == {"file"}
    wrong_field = tenant.client.put(f"/api/v1/candidates/{candidate['id']}/resume",
                                    files={"resume": ("a.txt", b"hello", "text/plain")}, headers=tenant.headers)
    assert field_errors(wrong_field) == {"file"}
    assert len(stored_files(settings)) == 1


def test_delete_resume(client, tenant, settings):
    candidate = add_candidate(tenant)
    upload(tenant, candidate["id"], b"my resume", name="r.txt")
    assert tenant.delete(f"/api/v1/candidates/{candidate['id']}/resume").status_code == 204
    assert stored_files(settings) == []
    assert tenant.get(f"/api/v1/candidates/{candidate['id']}").json()["candidate"]["resumeUrl"] is None
    for path in ("resume", "resume/text"):
        assert_error(tenant.get(f"/api/v1/candidates/{candidate['id']}/{path}"), 404)
    assert_error(tenant.delete(f"/api/v1/candidates/{candidate['id']}/resume"), 404)
    assert event_types(client, tenant) == ["candidate.created", "candidate.updated", "candidate.updated"]


def test_auth_scopes_and_tenancy(client, tenant, other_tenant, settings):
    candidate = add_candidate(tenant)
    base = f"/api/v1/candidates/{candidate['id']}/resume"
    assert_error(client.put(base, files={"file": ("r.txt", b"hello", "text/plain")}), 401)
    assert_error(client.get(base), 401)
    reader = tenant.key_headers("candidates:read")
    assert_error(upload(tenant, candidate["id"], b"hello", headers=reader), 403, "missing_scope")
    assert_error(tenant.delete(base, headers=reader), 403, "missing_scope")
    writer = tenant.key_headers("candidates:write")
    assert upload(tenant, candidate["id"], b"hello", name="r.txt", headers=writer).status_code == 200
    assert tenant.get(base, headers=reader).content == b"hello"
    jobs_only = tenant.key_headers("jobs:read")
    for path in (base, f"{base}/text"):
        assert_error(tenant.get(path, headers=jobs_only), 403, "missing_scope")
        assert_error(other_tenant.get(path), 404)
    assert_error(upload(other_tenant, candidate["id"], b"mine now", name="r.txt"), 404)
    assert_error(other_tenant.delete(base), 404)
    assert tenant.get(base).content == b"hello"
    assert_error(upload(tenant, "cand_missing", b"hello"), 404)
