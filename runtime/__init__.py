"""Running the bot: the HTTP front, the scheduler, logging, and wiring the listeners to them."""
