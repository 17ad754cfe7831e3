"""Campo livre and nosso número (with its check digit) of the six banks we collect with.

Each class follows its bank's published layout (positions are the campo livre's, 1-25):

- **Banco do Brasil (001)** by convênio length. 4 and 6 digits: nosso número = convênio +
  sequence (11 digits) + DV (modulo 11, weights 9…2 from the right, the remainder itself, 10 =
  ``X``); campo livre = nosso número (11) + agência (4) + conta (8) + carteira (2). 7 digits:
  nosso número = convênio + sequence (17 digits, no DV); campo livre = ``000000`` + nosso
  número (17) + carteira (2). 6 digits with ``variant="nn17"`` (carteiras 16/18): free
  17-digit nosso número (no DV); campo livre = convênio (6) + nosso número (17) + ``21``.
- **Itaú (341)**: nosso número of 8 digits, DAC modulo 10 over agência + conta + carteira +
  nosso número (carteiras 112, 126, 131, 146, 150, 168: carteira + nosso número only); campo
  livre = carteira (3) + nosso número (8) + DAC + agência (4) + conta (5) + DAC(agência + conta)
  + ``000``. Carteiras 106, 107, 122, 142, 143, 195, 196, 198: carteira + nosso número + seu
  número (7) + código do cliente (5) + DAC modulo 10 of those + ``0``.
- **Bradesco (237)**: nosso número of 11 digits, DV modulo 11 weights 2…7 over carteira +
  nosso número (remainder 0 → ``0``, 1 → ``P``, else 11 - remainder); campo livre = agência
  (4) + carteira (2) + nosso número (11) + conta (7) + ``0``.
- **Caixa (104), SIGCB**: nosso número of 17 digits = modalidade (1 registrada, 2 sem registro)
  + emissão (``4``, by the beneficiary) + sequence (15), DV modulo 11 weights 2…9 (11 -
  remainder, above 9 → 0); campo livre = beneficiário (6) + its DV + nosso número 3-5 + 1 +
  6-8 + 2 + 9-17 + DV of those 24 digits (same modulo 11).
- **Santander (033)**: nosso número of 12 digits, DV modulo 11 weights 2…9 (11 - remainder,
  10 and 11 → 0); campo livre = ``9`` + código do beneficiário (7) + nosso número (12) + DV +
  IOF ``0`` + carteira (3).
- **Sicoob (756)**: nosso número of 7 digits, DV modulo 11 of cooperativa (4) + cliente (10) +
  nosso número (7) with the constant 3197 aligned from the left (remainder 0 or 1 → 0, else 11
  - remainder); campo livre = carteira (1) + cooperativa (4) + modalidade (2) + cliente (7) +
  nosso número (7) + DV + parcela (3).
"""

from __future__ import annotations

from apps.finance.services.boleto.agreement import (
    CollectionAgreement,
    NossoNumero,
    check_sequence,
    digits_field,
)
from apps.finance.services.boleto.barcode import mod10, weighted_sum
from apps.finance.services.boleto.errors import BankDataInvalid

__all__ = ["BancoDoBrasil", "Bradesco", "Caixa", "Itau", "Santander", "Sicoob"]


def _mod11_eleven_minus(digits: str, *, high_to: int = 0) -> int:
    """11 - (weighted sum with weights 2…9 mod 11); results above 9 become ``high_to``."""
    result = 11 - weighted_sum(digits, range(2, 10)) % 11
    return high_to if result > 9 else result


class BancoDoBrasil:
    """Banco do Brasil: convênios of 4, 6 (optionally with 17-digit nosso número) or 7 digits."""

    bank_code = "001"
    bank_name = "Banco do Brasil"
    _SEQUENCE_DIGITS = {"4": 7, "6": 5, "nn17": 17, "7": 10}

    def _kind(self, agreement: CollectionAgreement) -> str:
        size = len(agreement.agreement_code.strip())
        if size == 6 and agreement.variant == "nn17":
            return "nn17"
        if size in (4, 6, 7):
            digits_field(agreement.agreement_code, size, "O convênio")
            return str(size)
        raise BankDataInvalid(
            "O convênio do Banco do Brasil deve ter 4, 6 ou 7 dígitos.",
            extra={"field": "agreement_code"},
        )

    def max_sequence(self, agreement: CollectionAgreement) -> int:
        return int(10 ** self._SEQUENCE_DIGITS[self._kind(agreement)]) - 1

    def nosso_numero(self, agreement: CollectionAgreement, sequence: int) -> NossoNumero:
        kind = self._kind(agreement)
        check_sequence(sequence, self.max_sequence(agreement))
        sequence_digits = f"{sequence:0{self._SEQUENCE_DIGITS[kind]}d}"
        if kind == "nn17":
            return NossoNumero(sequence_digits, None, sequence_digits)
        number = agreement.agreement_code.strip() + sequence_digits
        if kind == "7":
            return NossoNumero(number, None, number)
        remainder = weighted_sum(number, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
        check = "X" if remainder == 10 else str(remainder)
        return NossoNumero(number, check, f"{number}-{check}")

    def free_field(
        self,
        agreement: CollectionAgreement,
        sequence: int,
        *,
        document_number: str,
        installment_number: int,
    ) -> str:
        kind = self._kind(agreement)
        number = self.nosso_numero(agreement, sequence).number
        wallet = digits_field(agreement.wallet, 2, "A carteira")
        if kind == "nn17":
            if wallet not in ("16", "18"):
                raise BankDataInvalid(
                    "O nosso número livre de 17 dígitos do Banco do Brasil só existe nas "
                    "carteiras 16 e 18.",
                    extra={"field": "wallet"},
                )
            return agreement.agreement_code.strip() + number + "21"
        if kind == "7":
            return "000000" + number + wallet
        agency = digits_field(agreement.agency, 4, "A agência")
        account = digits_field(agreement.account, 8, "A conta")
        return number + agency + account + wallet


class Itau:
    """Itaú: 8-digit nosso número with a modulo-10 DAC; special wallets carry seu número."""

    bank_code = "341"
    bank_name = "Itaú Unibanco"
    _DAC_WITHOUT_ACCOUNT = frozenset({"112", "126", "131", "146", "150", "168"})
    _SPECIAL_WALLETS = frozenset({"106", "107", "122", "142", "143", "195", "196", "198"})

    def max_sequence(self, agreement: CollectionAgreement) -> int:
        return 99_999_999

    def nosso_numero(self, agreement: CollectionAgreement, sequence: int) -> NossoNumero:
        check_sequence(sequence, self.max_sequence(agreement))
        wallet = digits_field(agreement.wallet, 3, "A carteira")
        number = f"{sequence:08d}"
        if wallet in self._DAC_WITHOUT_ACCOUNT:
            dac = mod10(wallet + number)
        else:
            agency = digits_field(agreement.agency, 4, "A agência")
            account = digits_field(agreement.account, 5, "A conta")
            dac = mod10(agency + account + wallet + number)
        return NossoNumero(number, str(dac), f"{wallet}/{number}-{dac}")

    def free_field(
        self,
        agreement: CollectionAgreement,
        sequence: int,
        *,
        document_number: str,
        installment_number: int,
    ) -> str:
        wallet = digits_field(agreement.wallet, 3, "A carteira")
        nosso_numero = self.nosso_numero(agreement, sequence)
        if wallet in self._SPECIAL_WALLETS:
            if not document_number:
                raise BankDataInvalid(
                    f"A carteira {wallet} do Itaú exige o seu número (número do documento).",
                    extra={"field": "document_number"},
                )
            body = (
                wallet
                + nosso_numero.number
                + digits_field(document_number, 7, "O seu número")
                + digits_field(agreement.agreement_code, 5, "O código do cliente")
            )
            return f"{body}{mod10(body)}0"
        agency = digits_field(agreement.agency, 4, "A agência")
        account = digits_field(agreement.account, 5, "A conta")
        return (
            f"{wallet}{nosso_numero.number}{nosso_numero.check_digit}"
            f"{agency}{account}{mod10(agency + account)}000"
        )


class Bradesco:
    """Bradesco: 11-digit nosso número, DV modulo 11 weights 2…7 (``P`` for remainder 1)."""

    bank_code = "237"
    bank_name = "Bradesco"

    def max_sequence(self, agreement: CollectionAgreement) -> int:
        return 99_999_999_999

    def nosso_numero(self, agreement: CollectionAgreement, sequence: int) -> NossoNumero:
        check_sequence(sequence, self.max_sequence(agreement))
        wallet = digits_field(agreement.wallet, 2, "A carteira")
        number = f"{sequence:011d}"
        remainder = weighted_sum(wallet + number, range(2, 8)) % 11
        check = {0: "0", 1: "P"}.get(remainder, str(11 - remainder))
        return NossoNumero(number, check, f"{wallet}/{number}-{check}")

    def free_field(
        self,
        agreement: CollectionAgreement,
        sequence: int,
        *,
        document_number: str,
        installment_number: int,
    ) -> str:
        return (
            digits_field(agreement.agency, 4, "A agência")
            + digits_field(agreement.wallet, 2, "A carteira")
            + self.nosso_numero(agreement, sequence).number
            + digits_field(agreement.account, 7, "A conta")
            + "0"
        )


class Caixa:
    """Caixa SIGCB: 17-digit nosso número (modalidade + emissão 4 + 15), campo livre with DV."""

    bank_code = "104"
    bank_name = "Caixa Econômica Federal"
    _ISSUED_BY_BENEFICIARY = "4"

    def max_sequence(self, agreement: CollectionAgreement) -> int:
        return 999_999_999_999_999

    def _modality(self, agreement: CollectionAgreement) -> str:
        wallet = agreement.wallet.strip()
        if wallet not in ("1", "2"):
            raise BankDataInvalid(
                "A modalidade (carteira) da Caixa deve ser 1 (registrada) ou 2 (sem registro).",
                extra={"field": "wallet"},
            )
        return wallet

    def nosso_numero(self, agreement: CollectionAgreement, sequence: int) -> NossoNumero:
        check_sequence(sequence, self.max_sequence(agreement))
        number = f"{self._modality(agreement)}{self._ISSUED_BY_BENEFICIARY}{sequence:015d}"
        check = str(_mod11_eleven_minus(number))
        return NossoNumero(number, check, f"{number}-{check}")

    def free_field(
        self,
        agreement: CollectionAgreement,
        sequence: int,
        *,
        document_number: str,
        installment_number: int,
    ) -> str:
        beneficiary = digits_field(agreement.agreement_code, 6, "O código do beneficiário")
        number = self.nosso_numero(agreement, sequence).number
        body = (
            f"{beneficiary}{_mod11_eleven_minus(beneficiary)}"
            f"{number[2:5]}{number[0]}{number[5:8]}{number[1]}{number[8:17]}"
        )
        return f"{body}{_mod11_eleven_minus(body)}"


class Santander:
    """Santander: 12-digit nosso número + DV, código do beneficiário of 7 digits."""

    bank_code = "033"
    bank_name = "Santander"

    def max_sequence(self, agreement: CollectionAgreement) -> int:
        return 999_999_999_999

    def nosso_numero(self, agreement: CollectionAgreement, sequence: int) -> NossoNumero:
        check_sequence(sequence, self.max_sequence(agreement))
        number = f"{sequence:012d}"
        check = str(_mod11_eleven_minus(number))
        return NossoNumero(number, check, f"{number}-{check}")

    def free_field(
        self,
        agreement: CollectionAgreement,
        sequence: int,
        *,
        document_number: str,
        installment_number: int,
    ) -> str:
        nosso_numero = self.nosso_numero(agreement, sequence)
        return (
            "9"
            + digits_field(agreement.agreement_code, 7, "O código do beneficiário")
            + nosso_numero.with_check_digit
            + "0"  # IOF: only insurers use it
            + digits_field(agreement.wallet, 3, "A carteira")
        )


class Sicoob:
    """Sicoob: 7-digit nosso número, DV with the constant 3197, installment in the campo livre."""

    bank_code = "756"
    bank_name = "Sicoob"

    def max_sequence(self, agreement: CollectionAgreement) -> int:
        return 9_999_999

    def nosso_numero(self, agreement: CollectionAgreement, sequence: int) -> NossoNumero:
        check_sequence(sequence, self.max_sequence(agreement))
        number = f"{sequence:07d}"
        cooperative = digits_field(agreement.agency, 4, "A cooperativa")
        client = digits_field(agreement.agreement_code, 7, "O código do cliente")
        remainder = weighted_sum(
            cooperative + client.zfill(10) + number, (3, 1, 9, 7), from_right=False
        )
        remainder %= 11
        check = "0" if remainder in (0, 1) else str(11 - remainder)
        return NossoNumero(number, check, f"{number}-{check}")

    def free_field(
        self,
        agreement: CollectionAgreement,
        sequence: int,
        *,
        document_number: str,
        installment_number: int,
    ) -> str:
        if not 1 <= installment_number <= 999:
            raise BankDataInvalid(
                "O número da parcela no Sicoob deve estar entre 1 e 999.",
                extra={"field": "installment_number"},
            )
        return (
            digits_field(agreement.wallet, 1, "A carteira")
            + digits_field(agreement.agency, 4, "A cooperativa")
            + digits_field(agreement.variant or "01", 2, "A modalidade")
            + digits_field(agreement.agreement_code, 7, "O código do cliente")
            + self.nosso_numero(agreement, sequence).with_check_digit
            + f"{installment_number:03d}"
        )
