"""Plans and usage: what an organization's plan allows and what it used this month."""
