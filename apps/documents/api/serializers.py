"""Shapes of the documents API (no rules here: `apps.documents.services` decides)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.documents.models import Document, DocumentKind, DocumentVersion


class VersionSerializer(serializers.ModelSerializer[DocumentVersion]):
    """One stored version: what it is, how big, its checksum, who sent it and when."""

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "document",
            "number",
            "original_filename",
            "size",
            "content_type",
            "sha256",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer[Document]):
    """A logical document with its owners and the number of versions."""

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "title",
            "version_count",
            "sales_channel",
            "sales_representative",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer[None]):
    """``multipart/form-data``: a new document and its first file."""

    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(max_length=200)
    file = serializers.FileField(allow_empty_file=True)


class VersionUploadSerializer(serializers.Serializer[None]):
    """``multipart/form-data``: the next version's file."""

    file = serializers.FileField(allow_empty_file=True)


class DownloadLinkSerializer(serializers.Serializer[Any]):
    """A short-lived link that downloads the version, and when it stops working."""

    url = serializers.CharField()
    expires_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
