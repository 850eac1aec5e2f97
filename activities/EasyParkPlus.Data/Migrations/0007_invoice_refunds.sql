-- Money reports are net of refunds, and an invoice says when it was refunded.
-- An invoice whose payment went back in part or in full is partially_refunded or refunded; it still counts as income on
-- the day it was paid, and each refund counts against income on the day it was made (billing.refunds.created_at).
ALTER TABLE billing.invoices DROP CONSTRAINT invoices_status_check;
ALTER TABLE billing.invoices ADD CONSTRAINT invoices_status_check
    CHECK (status IN ('open', 'paid', 'partially_refunded', 'refunded', 'void', 'uncollectible'));

-- Invoices refunded before this script.
UPDATE billing.invoices i
SET status = CASE WHEN r.refunded >= p.paid THEN 'refunded' ELSE 'partially_refunded' END, updated_at = now()
FROM (SELECT invoice_id, sum(amount_captured_cents) AS paid FROM billing.payments WHERE status = 'succeeded' GROUP BY invoice_id) p,
     (SELECT p.invoice_id, sum(r.amount_cents) AS refunded FROM billing.refunds r JOIN billing.payments p ON p.id = r.payment_id
      WHERE r.status IN ('succeeded', 'pending') GROUP BY p.invoice_id) r
WHERE i.status = 'paid' AND p.invoice_id = i.id AND r.invoice_id = i.id;

CREATE INDEX ix_refunds_payment ON billing.refunds (payment_id);
CREATE INDEX ix_refunds_created ON billing.refunds (created_at);
