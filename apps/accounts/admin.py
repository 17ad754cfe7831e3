from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from apps.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Perfil", {"fields": ("full_name",)}))
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
