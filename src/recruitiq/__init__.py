"""RecruitIQ: a recruiting platform whose integration layer is the product."""

__version__ = "0.1.0"
