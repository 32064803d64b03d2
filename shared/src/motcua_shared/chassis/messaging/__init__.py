"""The event backbone: outbox and relay on the producing side, inbox and consumer runner on the other."""
