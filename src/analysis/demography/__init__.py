"""Business demography from the register: entries, exits and survival of market entities."""
