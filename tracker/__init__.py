"""Policy tracker and council of governors briefing packs for NHS foundation trusts."""

__version__ = "0.1.0"
