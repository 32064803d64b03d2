"""E-receipts of succeeded payments (PDF, Vietnamese, DejaVu Sans embedded)."""
