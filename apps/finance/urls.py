"""Staff pages of the finance context, mounted at ``/financeiro/`` (namespace ``finance``)."""

from django.urls import path

from apps.finance import (
    bank_agreement_pages,
    bank_file_pages,
    billing_pages,
    boleto_pages,
    delinquency_pages,
    fund_pages,
    statement_pages,
)

app_name = "finance"

urlpatterns = [
    path("cotas/<int:version_pk>/extrato/", statement_pages.quota_statement, name="statement"),
    path("pagamentos/", statement_pages.PaymentListView.as_view(), name="payment_list"),
    path("saldos/", fund_pages.fund_balances, name="fund_balances"),
    path(
        "inadimplencia/",
        delinquency_pages.DelinquencyListView.as_view(),
        name="delinquency_list",
    ),
    path(
        "inadimplencia/exportar/",
        delinquency_pages.delinquency_export,
        name="delinquency_export",
    ),
    path(
        "inadimplencia/propostas/<int:pk>/confirmar/",
        delinquency_pages.exclusion_confirm,
        name="exclusion_confirm",
    ),
    path(
        "inadimplencia/propostas/<int:pk>/descartar/",
        delinquency_pages.exclusion_dismiss,
        name="exclusion_dismiss",
    ),
    path("cobrancas/<int:pk>/boleto.pdf", boleto_pages.charge_boleto, name="charge_boleto"),
    path(
        "cobrancas/<int:pk>/segunda-via.pdf",
        boleto_pages.charge_second_copy,
        name="charge_second_copy",
    ),
    path("faturamento/", billing_pages.billing_run_list, name="billing_run_list"),
    path("faturamento/<int:pk>/", billing_pages.billing_run_detail, name="billing_run_detail"),
    path("retornos/", bank_file_pages.bank_file_list, name="bank_file_list"),
    path("retornos/enviar/", bank_file_pages.bank_file_upload, name="bank_file_upload"),
    path("retornos/<int:pk>/", bank_file_pages.bank_file_detail, name="bank_file_detail"),
    path(
        "convenios/",
        bank_agreement_pages.BankAgreementListView.as_view(),
        name="bank_agreement_list",
    ),
    path(
        "convenios/novo/",
        bank_agreement_pages.bank_agreement_create,
        name="bank_agreement_create",
    ),
    path(
        "convenios/<int:pk>/",
        bank_agreement_pages.bank_agreement_edit,
        name="bank_agreement_edit",
    ),
]
