"""Occurrence (movement) codes of return files per bank and format → category and meaning.

Settlement is decided here, by code, and nowhere else: a line whose code is not a
settlement code is never applied as a payment, even when the bank filled an amount paid
(the first Santander CNAB 240 fixture record is 02, *entrada confirmada*, with an amount and a
credit date; a Santander 400 write-off carries one too). Sources: FEBRABAN CNAB 240 v10
(segment T, code table C044), DOMAIN.md §10 and the banks' published layouts; codes a table
does not list read as OTHER with a generic description, so an unknown code is reported, never
applied.
"""

from __future__ import annotations

from collections.abc import Mapping

from .records import CnabFormat, OccurrenceCategory

__all__ = ["Table", "describe_occurrence", "occurrence_table"]

S = OccurrenceCategory.SETTLEMENT
E = OccurrenceCategory.REGISTRATION
R = OccurrenceCategory.REJECTION
B = OccurrenceCategory.WRITE_OFF
X = OccurrenceCategory.REVERSAL
F = OccurrenceCategory.FEE
O = OccurrenceCategory.OTHER  # noqa: E741 - one letter per category keeps the tables readable

Table = Mapping[str, tuple[OccurrenceCategory, str]]

# FEBRABAN CNAB 240, "código de movimento retorno" (segment T, positions 16-17).
FEBRABAN_240: Table = {
    "02": (E, "Entrada confirmada"),
    "03": (R, "Entrada rejeitada"),
    "04": (O, "Transferência de carteira/entrada"),
    "05": (O, "Transferência de carteira/baixa"),
    "06": (S, "Liquidação"),
    "07": (O, "Confirmação do recebimento da instrução de desconto"),
    "08": (O, "Confirmação do recebimento do cancelamento do desconto"),
    "09": (B, "Baixa"),
    "11": (O, "Títulos em carteira (em ser)"),
    "12": (O, "Confirmação de recebimento de instrução de abatimento"),
    "13": (O, "Confirmação de recebimento de cancelamento de abatimento"),
    "14": (O, "Confirmação de alteração de vencimento"),
    "15": (O, "Franco de pagamento"),
    "17": (S, "Liquidação após baixa ou de título não registrado"),
    "19": (O, "Confirmação de recebimento de instrução de protesto"),
    "20": (O, "Confirmação de sustação/cancelamento de protesto"),
    "23": (O, "Remessa a cartório (aponte)"),
    "24": (O, "Retirada de cartório e manutenção em carteira"),
    "25": (B, "Protestado e baixado"),
    "26": (R, "Instrução rejeitada"),
    "27": (O, "Confirmação do pedido de alteração de outros dados"),
    "28": (F, "Débito de tarifas/custas"),
    "29": (O, "Ocorrências do pagador"),
    "30": (R, "Alteração de dados rejeitada"),
    "33": (O, "Confirmação da alteração dos dados do rateio de crédito"),
    "34": (O, "Confirmação do cancelamento dos dados do rateio de crédito"),
    "35": (O, "Confirmação do desagendamento do débito automático"),
    "36": (O, "Confirmação de envio de e-mail/SMS"),
    "37": (R, "Envio de e-mail/SMS rejeitado"),
    "38": (O, "Confirmação de alteração do prazo limite de recebimento"),
    "39": (O, "Confirmação de dispensa de prazo limite de recebimento"),
    "40": (O, "Confirmação da alteração do número do título dado pelo beneficiário"),
    "41": (O, "Confirmação da alteração do número de controle do participante"),
    "42": (O, "Confirmação da alteração dos dados do pagador"),
    "43": (O, "Confirmação da alteração dos dados do sacador/avalista"),
    "44": (X, "Título pago com cheque devolvido"),
    "45": (O, "Título pago com cheque compensado"),
    "46": (O, "Instrução para cancelar protesto confirmada"),
    "47": (O, "Instrução de protesto para fins falimentares confirmada"),
    "48": (O, "Confirmação de transferência de carteira/modalidade de cobrança"),
    "49": (O, "Alteração de contrato de cobrança"),
    "50": (O, "Título pago com cheque pendente de liquidação"),
    "51": (O, "Título DDA reconhecido pelo pagador"),
    "52": (O, "Título DDA não reconhecido pelo pagador"),
    "53": (O, "Título DDA recusado pela CIP"),
    "54": (O, "Confirmação da instrução de baixa de título negativado sem protesto"),
}

# Santander CNAB 240 follows FEBRABAN; A4 is its "pagador DDA" code.
SANTANDER_240: Table = {**FEBRABAN_240, "A4": (O, "Pagador DDA")}

# Sicoob and Ailos (cooperatives): FEBRABAN plus settlements between cooperatives.
COOPERATIVE_240: Table = {
    **FEBRABAN_240,
    "76": (S, "Liquidação de boleto cooperativa emitente e destinatária"),
    "77": (S, "Liquidação após baixa ou não registrado, cooperativa emitente e destinatária"),
}

# Caixa SIGCB: DOMAIN.md §10 (44 reversal of write-off/settlement, 46 online settlement,
# 47 reversal of an online settlement).
CAIXA_240: Table = {
    **FEBRABAN_240,
    "35": (O, "Desagendamento do débito automático"),
    "44": (X, "Estorno de baixa/liquidação"),
    "45": (O, "Alteração de dados"),
    "46": (S, "Liquidação on-line"),
    "47": (X, "Estorno de liquidação on-line"),
}

# Banco do Brasil CBR643/CBR641 (CNAB 400, "comando"); DOMAIN.md §10 for 05/07/08/10.
BB_400: Table = {
    "02": (E, "Confirmação de entrada de título"),
    "03": (R, "Comando recusado"),
    "05": (S, "Liquidado sem registro"),
    "06": (S, "Liquidação normal"),
    "07": (S, "Liquidação parcial"),
    "08": (S, "Liquidação por saldo"),
    "09": (B, "Baixa de título"),
    "10": (B, "Baixa solicitada"),
    "11": (O, "Títulos em ser"),
    "12": (O, "Abatimento concedido"),
    "13": (O, "Abatimento cancelado"),
    "14": (O, "Alteração de vencimento"),
    "15": (S, "Liquidação em cartório"),
    "16": (O, "Confirmação de alteração de juros de mora"),
    "19": (O, "Confirmação de recebimento de instrução de protesto"),
    "20": (O, "Débito em conta"),
    "21": (O, "Alteração do nome do pagador"),
    "22": (O, "Alteração do endereço do pagador"),
    "23": (O, "Indicação de encaminhamento a cartório"),
    "24": (O, "Sustar protesto"),
    "25": (O, "Dispensar juros de mora"),
    "26": (O, "Alteração do número do título dado pelo beneficiário"),
    "28": (F, "Manutenção de título vencido"),
    "31": (O, "Conceder desconto"),
    "32": (O, "Não conceder desconto"),
    "33": (O, "Retificar desconto"),
    "34": (O, "Alterar data para desconto"),
    "35": (O, "Cobrar multa"),
    "36": (O, "Dispensar multa"),
    "37": (O, "Dispensar indexador"),
    "38": (O, "Dispensar prazo limite de recebimento"),
    "39": (O, "Alterar prazo limite de recebimento"),
    "41": (O, "Alteração do número de controle do participante"),
    "42": (O, "Alteração do número do documento do pagador"),
    "44": (X, "Título pago com cheque devolvido"),
    "46": (O, "Título pago com cheque, aguardando compensação"),
    "72": (O, "Alteração de tipo de cobrança"),
    "73": (O, "Confirmação de instrução de parâmetro de pagamento parcial"),
    "96": (F, "Despesas de protesto"),
    "97": (F, "Despesas de sustação de protesto"),
    "98": (F, "Débito de custas antecipadas"),
}

ITAU_400: Table = {
    "02": (E, "Entrada confirmada"),
    "03": (R, "Entrada rejeitada"),
    "04": (O, "Alteração de dados: nova entrada ou alteração acatada"),
    "05": (B, "Alteração de dados: baixa"),
    "06": (S, "Liquidação normal"),
    "07": (S, "Liquidação parcial (cobrança inteligente)"),
    "08": (S, "Liquidação em cartório"),
    "09": (B, "Baixa simples"),
    "10": (B, "Baixa por ter sido liquidado"),
    "11": (O, "Em ser"),
    "12": (O, "Abatimento concedido"),
    "13": (O, "Abatimento cancelado"),
    "14": (O, "Vencimento alterado"),
    "15": (R, "Baixa rejeitada"),
    "16": (R, "Instrução rejeitada"),
    "17": (R, "Alteração/exclusão de dados rejeitada"),
    "18": (R, "Cobrança contratual: instrução/alteração rejeitada ou pendente"),
    "19": (O, "Confirmação de recebimento de instrução de protesto"),
    "20": (O, "Confirmação de recebimento de instrução de sustação de protesto"),
    "21": (O, "Confirmação de recebimento de instrução de não protestar"),
    "23": (O, "Título enviado a cartório"),
    "24": (R, "Instrução de protesto rejeitada, sustada ou pendente"),
    "25": (O, "Alegações do pagador"),
    "26": (F, "Tarifa de aviso de cobrança"),
    "27": (F, "Tarifa de extrato posição"),
    "28": (F, "Tarifa de relação das liquidações"),
    "29": (F, "Tarifa de manutenção de títulos vencidos"),
    "30": (F, "Débito mensal de tarifas"),
    "32": (B, "Baixa por ter sido protestado"),
    "33": (F, "Custas de protesto"),
    "34": (F, "Custas de sustação"),
    "35": (F, "Custas de cartório distribuidor"),
    "36": (F, "Custas de edital"),
    "37": (F, "Tarifa de emissão de boleto"),
    "38": (F, "Tarifa de instrução"),
    "39": (F, "Tarifa de ocorrências"),
    "40": (F, "Tarifa mensal de emissão de boleto"),
    "47": (B, "Baixa com transferência para desconto"),
    "57": (O, "Instrução cancelada"),
    "59": (S, "Baixa por crédito em conta corrente através do SISPAG"),
    "60": (R, "Entrada rejeitada carnê"),
    "63": (O, "Título sustado judicialmente"),
    "64": (E, "Entrada confirmada com rateio de crédito"),
    "65": (O, "Pagamento com cheque: aguardando compensação"),
    "69": (X, "Cheque devolvido"),
    "71": (E, "Entrada registrada, aguardando avaliação"),
    "72": (O, "Crédito via SISPAG sem título correspondente"),
    "73": (E, "Entrada confirmada na cobrança simples"),
    "76": (O, "Cheque compensado"),
}

BRADESCO_400: Table = {
    "02": (E, "Entrada confirmada"),
    "03": (R, "Entrada rejeitada"),
    "06": (S, "Liquidação normal"),
    "09": (B, "Baixado automaticamente via arquivo"),
    "10": (B, "Baixado conforme instruções da agência"),
    "11": (O, "Em ser (títulos pendentes)"),
    "12": (O, "Abatimento concedido"),
    "13": (O, "Abatimento cancelado"),
    "14": (O, "Vencimento alterado"),
    "15": (S, "Liquidação em cartório"),
    "16": (O, "Título pago em cheque: vinculado"),
    "17": (S, "Liquidação após baixa ou título não registrado"),
    "18": (O, "Acerto de depositária"),
    "19": (O, "Confirmação de recebimento de instrução de protesto"),
    "20": (O, "Confirmação de recebimento de instrução de sustação de protesto"),
    "21": (O, "Acerto do controle do participante"),
    "22": (X, "Título com pagamento cancelado"),
    "23": (O, "Entrada do título em cartório"),
    "24": (R, "Entrada rejeitada por CEP irregular"),
    "25": (O, "Confirmação de recebimento de instrução de protesto falimentar"),
    "27": (R, "Baixa rejeitada"),
    "28": (F, "Débito de tarifas/custas"),
    "29": (O, "Ocorrências do pagador"),
    "30": (R, "Alteração de outros dados rejeitada"),
    "32": (R, "Instrução rejeitada"),
    "33": (O, "Confirmação de pedido de alteração de outros dados"),
    "34": (O, "Retirado de cartório e manutenção em carteira"),
    "35": (O, "Desagendamento do débito automático"),
    "40": (X, "Estorno de pagamento"),
    "55": (O, "Sustado judicial"),
    "68": (O, "Acerto dos dados do rateio de crédito"),
    "69": (O, "Cancelamento dos dados do rateio"),
}

SANTANDER_400: Table = {
    "01": (R, "Título não existe"),
    "02": (E, "Entrada de título confirmada"),
    "03": (R, "Entrada de título rejeitada"),
    "06": (S, "Liquidação"),
    "07": (S, "Liquidação por conta"),
    "08": (S, "Liquidação por saldo"),
    "09": (B, "Baixa automática"),
    "10": (B, "Título baixado conforme instrução"),
    "11": (O, "Em ser"),
    "12": (O, "Abatimento concedido"),
    "13": (O, "Abatimento cancelado"),
    "14": (O, "Prorrogação de vencimento"),
    "15": (O, "Enviado para cartório"),
    "16": (R, "Título já baixado ou liquidado"),
    "17": (S, "Liquidado em cartório"),
    "21": (O, "Entrada em cartório"),
    "22": (O, "Retirado de cartório"),
    "24": (F, "Custas de cartório"),
    "25": (O, "Protestar título"),
    "26": (O, "Sustar protesto"),
    "35": (O, "Título DDA reconhecido pelo pagador"),
    "36": (O, "Título DDA não reconhecido pelo pagador"),
    "37": (O, "Título DDA recusado pela CIP"),
    "38": (O, "Recebimento da instrução não protestar"),
    "39": (R, "Espécie de título não permite a instrução"),
}

BANRISUL_400: Table = {
    "02": (E, "Confirmação de entrada"),
    "03": (R, "Entrada rejeitada"),
    "04": (B, "Baixa de título liquidado por edital"),
    "06": (S, "Liquidação normal"),
    "07": (S, "Liquidação parcial"),
    "08": (S, "Baixa por pagamento, liquidação pelo saldo"),
    "09": (B, "Devolução automática"),
    "10": (B, "Baixado conforme instruções"),
    "11": (O, "Arquivo levantamento"),
    "12": (O, "Concessão de abatimento"),
    "13": (O, "Cancelamento de abatimento"),
    "14": (O, "Vencimento alterado"),
    "15": (S, "Pagamento em cartório"),
    "16": (O, "Alteração de dados"),
    "18": (O, "Alteração de instruções"),
    "19": (O, "Confirmação de instrução de protesto"),
    "20": (O, "Confirmação de instrução para sustar protesto"),
    "23": (O, "Confirmação da entrada em cartório"),
    "25": (B, "Devolução, liquidado anteriormente"),
    "26": (R, "Devolvido pelo cartório: erro de informação"),
    "30": (O, "Cobrança a creditar (liquidação em trânsito)"),
    "40": (B, "Baixa de títulos protestados"),
    "41": (F, "Despesa de aponte"),
    "44": (F, "Manutenção mensal"),
}

NORDESTE_400: Table = {
    "02": (E, "Confirmação de entrada"),
    "03": (R, "Entrada rejeitada"),
    "06": (S, "Liquidação normal"),
    "07": (S, "Liquidação por conta"),
    "08": (S, "Liquidação por saldo"),
    "09": (B, "Baixa simples"),
    "10": (B, "Baixa por ter sido liquidado"),
    "12": (O, "Abatimento concedido"),
    "13": (O, "Abatimento cancelado"),
    "14": (O, "Alteração de vencimento"),
    "15": (R, "Baixa rejeitada"),
    "16": (R, "Instrução rejeitada"),
    "19": (O, "Confirmação de recebimento de instrução de protesto"),
}

# BRB: 00 returned to the payee, 02 registered, 05/06/09 settled (as its return codes list
# them; 09 is a settlement at BRB, not a write-off).
BRB_400: Table = {
    "00": (B, "Baixado por devolução"),
    "02": (E, "Registro confirmado"),
    "05": (S, "Liquidado sem registro"),
    "06": (S, "Liquidado"),
    "09": (S, "Liquidado"),
    "15": (O, "Liquidação regularizada"),
    "16": (O, "Liquidação regularizada com registro"),
}

_TABLES: dict[tuple[CnabFormat, str], Table] = {
    (CnabFormat.CNAB240, "febraban240"): FEBRABAN_240,
    (CnabFormat.CNAB240, "santander240"): SANTANDER_240,
    (CnabFormat.CNAB240, "sicoob240"): COOPERATIVE_240,
    (CnabFormat.CNAB240, "ailos240"): COOPERATIVE_240,
    (CnabFormat.CNAB240, "sicredi240"): SANTANDER_240,
    (CnabFormat.CNAB240, "caixa240"): CAIXA_240,
    (CnabFormat.CNAB400, "bb_cbr643"): BB_400,
    (CnabFormat.CNAB400, "bb_cbr641"): BB_400,
    (CnabFormat.CNAB400, "credisis400"): BB_400,
    (CnabFormat.CNAB400, "itau400"): ITAU_400,
    (CnabFormat.CNAB400, "bradesco400"): BRADESCO_400,
    (CnabFormat.CNAB400, "santander400"): SANTANDER_400,
    (CnabFormat.CNAB400, "banrisul400"): BANRISUL_400,
    (CnabFormat.CNAB400, "nordeste400"): NORDESTE_400,
    (CnabFormat.CNAB400, "brb400"): BRB_400,
}


def occurrence_table(cnab_format: CnabFormat, layout: str) -> Table:
    """The code table of a layout (FEBRABAN's for a CNAB 240 layout without its own)."""
    default = FEBRABAN_240 if cnab_format is CnabFormat.CNAB240 else {}
    return _TABLES.get((cnab_format, layout), default)


def describe_occurrence(table: Table, code: str) -> tuple[OccurrenceCategory, str]:
    """Category and Portuguese meaning of ``code``; unknown or blank codes are OTHER."""
    found = table.get(code)
    if found is not None:
        return found
    if not code:
        return O, "Sem código de ocorrência"
    return O, f"Ocorrência {code} (não reconhecida para este banco)"
