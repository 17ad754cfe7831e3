"""Kernel endpoints: health probes, metrics and the jobs read API."""

from django.urls import path

urlpatterns: list = []
