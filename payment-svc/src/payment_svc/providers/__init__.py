"""Payment providers behind one interface: the gateway protocol, VietQR codes, bank notifications."""
