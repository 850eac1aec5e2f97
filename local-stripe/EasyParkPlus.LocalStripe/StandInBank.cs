using System.Text.Json.Nodes;

namespace EasyParkPlus.LocalStripe;

/// <summary>
/// The stand-in's objects and the rules Stripe applies to them. Not thread-safe: the server runs one
/// request at a time through it.
/// </summary>
internal sealed class StandInBank(TimeProvider time)
{
    private static readonly string[] CancelableStatuses =
        ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];

    private readonly Dictionary<string, Customer> _customers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PaymentMethod> _paymentMethods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PaymentIntent> _paymentIntents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Refund> _refunds = new(StringComparer.Ordinal);
    private long _sequence;

    public IEnumerable<PaymentIntent> PaymentIntents => _paymentIntents.Values.OrderBy(pi => pi.Sequence);

    public IEnumerable<Refund> Refunds => _refunds.Values.OrderBy(r => r.Sequence);

    public IEnumerable<Customer> Customers => _customers.Values.OrderBy(c => c.Sequence);

    /// <summary>The API version that renamed a PaymentIntent's <c>payment_method_types</c> parameter to <c>allowed_payment_method_types</c>.</summary>
    private const string AllowedTypesVersion = "2026-10-28";

    /// <summary>Routes a request to its endpoint; returns the 200 body or throws <see cref="StandInError"/>.</summary>
    public JsonObject? Dispatch(string method, string[] segments, StandInForm form, string apiVersion) => (method, segments) switch
    {
        ("POST", ["v1", "customers"]) => CreateCustomer(form),
        ("GET", ["v1", "customers", var id]) => ToJson(FindCustomer(id, "id")),
        ("POST", ["v1", "customers", var id]) => UpdateCustomer(id, form),
        ("GET", ["v1", "customers", var id, "payment_methods"]) => ListPaymentMethods(id, form),
        ("GET", ["v1", "payment_methods"]) => ListPaymentMethods(form.Required("customer"), form),
        ("GET", ["v1", "payment_methods", var id]) => ToJson(FindPaymentMethod(id, "payment_method")),
        ("POST", ["v1", "payment_methods", var id, "attach"]) => AttachPaymentMethod(id, form),
        ("POST", ["v1", "payment_methods", var id, "detach"]) => DetachPaymentMethod(id, form),
        ("POST", ["v1", "payment_intents"]) => CreatePaymentIntent(form, apiVersion),
        ("GET", ["v1", "payment_intents", var id]) => ToJson(FindPaymentIntent(id)),
        ("POST", ["v1", "payment_intents", var id, "confirm"]) => ConfirmPaymentIntent(id, form),
        ("POST", ["v1", "payment_intents", var id, "capture"]) => CapturePaymentIntent(id, form),
        ("POST", ["v1", "payment_intents", var id, "cancel"]) => CancelPaymentIntent(id, form),
        ("POST", ["v1", "refunds"]) => CreateRefund(form),
        ("GET", ["v1", "refunds", var id]) => ToJson(_refunds.GetValueOrDefault(id) ?? throw StandInError.Missing("refund", id, "id")),
        _ => null,
    };

    public JsonObject? FindObjectJson(string id) =>
        _paymentIntents.TryGetValue(id, out var pi) ? ToJson(pi)
        : _refunds.TryGetValue(id, out var refund) ? ToJson(refund)
        : _customers.TryGetValue(id, out var customer) ? ToJson(customer)
        : _paymentMethods.TryGetValue(id, out var pm) ? ToJson(pm)
        : null;

    // ------------------------------------------------------------------ customers and payment methods

    private JsonObject CreateCustomer(StandInForm form)
    {
        form.RejectUnknown("email", "name", "description", "phone", "metadata", "payment_method", "invoice_settings");
        var metadata = form.Metadata();
        var customer = new Customer(NewId("cus"), ++_sequence, Now())
        {
            Email = form.Get("email"),
            Name = form.Get("name"),
            Description = form.Get("description"),
            Metadata = metadata,
        };
        var paymentMethodId = form.Get("payment_method");
        var defaultPaymentMethod = form.Get("invoice_settings[default_payment_method]");
        _customers.Add(customer.Id, customer);
        if (paymentMethodId is not null)
        {
            var attached = Attach(paymentMethodId, customer);
            if (defaultPaymentMethod == paymentMethodId)
            {
                defaultPaymentMethod = attached.Id;
            }
        }
        if (defaultPaymentMethod is not null)
        {
            customer.DefaultPaymentMethod = RequireAttached(customer, defaultPaymentMethod).Id;
        }
        return ToJson(customer);
    }

    private JsonObject UpdateCustomer(string id, StandInForm form)
    {
        form.RejectUnknown("email", "name", "description", "phone", "metadata", "invoice_settings");
        var metadata = form.Metadata();
        var customer = FindCustomer(id, "id");
        customer.Email = form.Get("email") ?? customer.Email;
        customer.Name = form.Get("name") ?? customer.Name;
        customer.Description = form.Get("description") ?? customer.Description;
        MergeMetadata(customer.Metadata, metadata);
        if (form.Get("invoice_settings[default_payment_method]") is { } defaultPaymentMethod)
        {
            customer.DefaultPaymentMethod = defaultPaymentMethod.Length == 0 ? null : RequireAttached(customer, defaultPaymentMethod).Id;
        }
        return ToJson(customer);
    }

    private JsonObject AttachPaymentMethod(string id, StandInForm form)
    {
        form.RejectUnknown("customer");
        var customer = FindCustomer(form.Required("customer"), "customer");
        return ToJson(Attach(id, customer));
    }

    private JsonObject DetachPaymentMethod(string id, StandInForm form)
    {
        form.RejectUnknown();
        var paymentMethod = FindPaymentMethod(id, "payment_method");
        if (paymentMethod.CustomerId is not { } customerId)
        {
            throw StandInError.Invalid($"The payment method {id} is not attached to a customer.", "payment_method_unexpected_state");
        }
        if (_customers[customerId].DefaultPaymentMethod == id)
        {
            _customers[customerId].DefaultPaymentMethod = null;
        }
        paymentMethod.CustomerId = null;
        return ToJson(paymentMethod);
    }

    private JsonObject ListPaymentMethods(string id, StandInForm form)
    {
        form.RejectUnknown("customer", "type", "limit", "starting_after", "ending_before", "allow_redisplay");
        var customer = FindCustomer(id, "customer");
        var type = form.Get("type");
        var limit = form.Integer("limit") ?? 10;
        if (limit is < 1 or > 100)
        {
            throw StandInError.Invalid("Limit must be between 1 and 100.", "parameter_invalid_integer", "limit", beforeExecution: true);
        }
        // Newest first, as Stripe lists.
        var all = _paymentMethods.Values
            .Where(pm => pm.CustomerId == customer.Id && (type is null || type == "card"))
            .OrderByDescending(pm => pm.Sequence)
            .ToList();
        if (form.Get("starting_after") is { } after)
        {
            var index = all.FindIndex(pm => pm.Id == after);
            if (index < 0)
            {
                throw StandInError.Missing("payment_method", after, "starting_after");
            }
            all = all[(index + 1)..];
        }
        var page = all.Take((int)limit).ToList();
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(page.Select(pm => (JsonNode)ToJson(pm)).ToArray()),
            ["has_more"] = all.Count > page.Count,
            ["url"] = "/v1/payment_methods",
        };
    }

    /// <summary>A test token becomes a new PaymentMethod (as in Stripe, with an id of its own); a stored one is attached.</summary>
    private PaymentMethod Attach(string id, Customer customer)
    {
        if (StandInTestCard.ByToken.TryGetValue(id, out var card))
        {
            if (card.DeclineOnAttach && card.Decline is { } decline)
            {
                throw StandInError.Card(CardError(decline, null, null));
            }
            var created = NewPaymentMethod(card);
            created.CustomerId = customer.Id;
            return created;
        }
        var paymentMethod = FindPaymentMethod(id, "payment_method");
        if (paymentMethod.CustomerId is { } owner && owner != customer.Id)
        {
            throw StandInError.Invalid("The payment method you provided has already been attached to a customer.", "payment_method_unexpected_state");
        }
        if (paymentMethod.Card.DeclineOnAttach && paymentMethod.Card.Decline is { } storedDecline)
        {
            throw StandInError.Card(CardError(storedDecline, null, ToJson(paymentMethod)));
        }
        paymentMethod.CustomerId = customer.Id;
        return paymentMethod;
    }

    private PaymentMethod RequireAttached(Customer customer, string paymentMethodId) =>
        _paymentMethods.TryGetValue(paymentMethodId, out var pm) && pm.CustomerId == customer.Id
            ? pm
            : throw StandInError.Invalid(
                $"No such PaymentMethod: '{paymentMethodId}'; it must be attached to customer {customer.Id} to be its default.",
                "resource_missing", "invoice_settings[default_payment_method]");

    private PaymentMethod NewPaymentMethod(StandInTestCard card)
    {
        var created = new PaymentMethod(NewId("pm"), ++_sequence, Now(), card);
        _paymentMethods.Add(created.Id, created);
        return created;
    }

    // ------------------------------------------------------------------ payment intents

    private JsonObject CreatePaymentIntent(StandInForm form, string apiVersion)
    {
        // Since 2026-10-28 the parameter is allowed_payment_method_types; the old name is unknown there, as Stripe answers.
        var typesParameter = string.CompareOrdinal(apiVersion, AllowedTypesVersion) >= 0 ? "allowed_payment_method_types" : "payment_method_types";
        form.RejectUnknown(
            "amount", "currency", "customer", "payment_method", typesParameter, "capture_method", "confirm", "off_session",
            "description", "metadata", "confirmation_method", "setup_future_usage", "statement_descriptor_suffix", "receipt_email",
            "return_url", "automatic_payment_methods");
        var amount = form.Integer("amount") ?? throw StandInError.Invalid("Missing required param: amount.", "parameter_missing", "amount", beforeExecution: true);
        var currency = form.Required("currency").ToLowerInvariant();
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterLower))
        {
            throw StandInError.Invalid($"Invalid currency: {currency}.", "parameter_invalid_string", "currency", beforeExecution: true);
        }
        CheckAmount(amount, currency, "amount");
        var captureMethod = form.OneOf("capture_method", "automatic", "automatic_async", "manual") ?? "automatic_async";
        var confirm = form.Boolean("confirm");
        var offSession = form.OneOf("off_session", "true", "false", "one_off", "recurring") is "true" or "one_off" or "recurring";
        var metadata = form.Metadata();
        var types = form.List(typesParameter);
        if (types.Count > 0 && !types.Contains("card", StringComparer.Ordinal))
        {
            throw StandInError.Invalid("The stand-in supports card payments only.", "payment_method_type_unsupported", typesParameter, beforeExecution: true);
        }
        if (offSession && !confirm)
        {
            throw StandInError.Invalid("off_session can only be used with confirm=true.", "parameter_invalid_string", "off_session", beforeExecution: true);
        }
        if (confirm && types.Count == 0 && form.Get("return_url") is null && form.Get("automatic_payment_methods[allow_redirects]") != "never")
        {
            // Since API version 2023-08-16 a PaymentIntent without payment_method_types accepts the Dashboard's
            // methods, some of which redirect; confirming one then needs a return_url.
            throw StandInError.Invalid(
                "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
                null, "return_url", beforeExecution: true);
        }

        var customer = form.Get("customer") is { } customerId ? FindCustomer(customerId, "customer") : null;
        var intent = new PaymentIntent(NewId("pi"), ++_sequence, Now(), amount, currency, captureMethod)
        {
            CustomerId = customer?.Id,
            Description = form.Get("description"),
            Metadata = metadata,
            PaymentMethodTypes = types.Count > 0 ? types : ["card"],
        };
        if (form.Get("payment_method") is { } paymentMethodId)
        {
            intent.PaymentMethodId = ResolveForPayment(paymentMethodId, customer).Id;
        }
        intent.Status = intent.PaymentMethodId is null ? "requires_payment_method" : "requires_confirmation";
        _paymentIntents.Add(intent.Id, intent);

        if (confirm)
        {
            if (intent.PaymentMethodId is null)
            {
                throw StandInError.UnexpectedState(
                    "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with " + customer?.Id + ", specify a payment method attached to this customer along with the customer ID.",
                    ToJson(intent));
            }
            Confirm(intent, offSession);
        }
        return ToJson(intent);
    }

    private JsonObject ConfirmPaymentIntent(string id, StandInForm form)
    {
        form.RejectUnknown("payment_method", "off_session", "return_url", "capture_method");
        var offSession = form.OneOf("off_session", "true", "false", "one_off", "recurring") is "true" or "one_off" or "recurring";
        var intent = FindPaymentIntent(id);
        if (intent.Status is not ("requires_payment_method" or "requires_confirmation" or "requires_action"))
        {
            throw StandInError.UnexpectedState(
                $"This PaymentIntent's status is {intent.Status}, but it must be one of requires_payment_method, requires_confirmation or requires_action to be confirmed.",
                ToJson(intent));
        }
        if (form.Get("payment_method") is { } paymentMethodId)
        {
            intent.PaymentMethodId = ResolveForPayment(paymentMethodId, intent.CustomerId is null ? null : _customers[intent.CustomerId]).Id;
        }
        if (intent.PaymentMethodId is null)
        {
            throw StandInError.UnexpectedState("You cannot confirm this PaymentIntent because it's missing a payment method.", ToJson(intent));
        }
        Confirm(intent, offSession);
        return ToJson(intent);
    }

    /// <summary>A token makes a one-off PaymentMethod; a stored one must belong to the PaymentIntent's customer.</summary>
    private PaymentMethod ResolveForPayment(string paymentMethodId, Customer? customer)
    {
        if (StandInTestCard.ByToken.TryGetValue(paymentMethodId, out var card))
        {
            return NewPaymentMethod(card);
        }
        var paymentMethod = FindPaymentMethod(paymentMethodId, "payment_method");
        if (paymentMethod.CustomerId is { } owner && owner != customer?.Id)
        {
            throw StandInError.Invalid(
                customer is null
                    ? $"The provided PaymentMethod {paymentMethodId} is attached to a Customer; specify that customer to use it."
                    : $"The provided PaymentMethod {paymentMethodId} belongs to another Customer than {customer.Id}.",
                null, "payment_method");
        }
        return paymentMethod;
    }

    /// <summary>
    /// One payment attempt. A decline leaves the PaymentIntent in <c>requires_payment_method</c> with
    /// <c>last_payment_error</c> and answers 402 with the error (the PaymentIntent inside it), as Stripe does.
    /// </summary>
    private void Confirm(PaymentIntent intent, bool offSession)
    {
        var paymentMethod = _paymentMethods[intent.PaymentMethodId!];
        intent.LatestCharge = NewId("ch");
        intent.NextAction = null;

        var decline = paymentMethod.Card.RequiresAuthentication
            ? (offSession ? StandInTestCard.AuthenticationRequired : null)
            : paymentMethod.Card.Decline;
        if (decline is not null)
        {
            var error = CardError(decline, intent.LatestCharge, ToJson(paymentMethod));
            intent.LastPaymentError = (JsonObject)error.DeepClone();
            intent.PaymentMethodId = null;
            intent.Status = "requires_payment_method";
            error["payment_intent"] = ToJson(intent);
            throw StandInError.Card(error);
        }

        intent.LastPaymentError = null;
        if (paymentMethod.Card.RequiresAuthentication)
        {
            intent.Status = "requires_action";
            intent.NextAction = new JsonObject { ["type"] = "use_stripe_sdk", ["use_stripe_sdk"] = new JsonObject() };
            return;
        }
        if (intent.CaptureMethod == "manual")
        {
            intent.Status = "requires_capture";
            intent.AmountCapturable = intent.Amount;
        }
        else
        {
            intent.Status = "succeeded";
            intent.AmountReceived = intent.Amount;
        }
    }

    private JsonObject CapturePaymentIntent(string id, StandInForm form)
    {
        form.RejectUnknown("amount_to_capture", "metadata", "final_capture", "statement_descriptor_suffix");
        var amountToCapture = form.Integer("amount_to_capture");
        var metadata = form.Metadata();
        var intent = FindPaymentIntent(id);
        if (intent.Status != "requires_capture")
        {
            throw StandInError.UnexpectedState(
                $"This PaymentIntent could not be captured because it has a status of {intent.Status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                ToJson(intent));
        }
        var amount = amountToCapture ?? intent.AmountCapturable;
        if (amount < 1)
        {
            throw StandInError.Invalid("amount_to_capture must be a positive integer.", "parameter_invalid_integer", "amount_to_capture");
        }
        if (amount > intent.AmountCapturable)
        {
            throw StandInError.Invalid(
                $"The amount_to_capture ({amount}) must be less than or equal to the PaymentIntent's amount_capturable ({intent.AmountCapturable}).",
                "amount_too_large", "amount_to_capture", paymentIntent: ToJson(intent));
        }
        MergeMetadata(intent.Metadata, metadata);
        intent.AmountReceived = amount;
        intent.AmountCapturable = 0;
        intent.Status = "succeeded";
        return ToJson(intent);
    }

    private JsonObject CancelPaymentIntent(string id, StandInForm form)
    {
        form.RejectUnknown("cancellation_reason");
        var reason = form.OneOf("cancellation_reason", "duplicate", "fraudulent", "requested_by_customer", "abandoned");
        var intent = FindPaymentIntent(id);
        if (!CancelableStatuses.Contains(intent.Status, StringComparer.Ordinal))
        {
            throw StandInError.UnexpectedState(
                $"You cannot cancel this PaymentIntent because it has a status of {intent.Status}. Only a PaymentIntent with one of the following statuses may be canceled: {string.Join(", ", CancelableStatuses)}.",
                ToJson(intent));
        }
        intent.Status = "canceled";
        intent.CancellationReason = reason;
        intent.CanceledAt = Now();
        intent.AmountCapturable = 0;
        intent.NextAction = null;
        return ToJson(intent);
    }

    // ------------------------------------------------------------------ refunds

    private JsonObject CreateRefund(StandInForm form)
    {
        form.RejectUnknown("payment_intent", "charge", "amount", "reason", "metadata");
        var requested = form.Integer("amount");
        var reason = form.OneOf("reason", "duplicate", "fraudulent", "requested_by_customer");
        var metadata = form.Metadata();
        var intent = form.Get("payment_intent") is { } intentId
            ? FindPaymentIntent(intentId, "payment_intent")
            : form.Get("charge") is { } chargeId
                ? _paymentIntents.Values.FirstOrDefault(pi => pi.LatestCharge == chargeId) ?? throw StandInError.Missing("charge", chargeId, "charge")
                : throw StandInError.Invalid("One of the following params should be provided for this request: payment_intent or charge.", "parameter_missing", null, beforeExecution: true);

        if (intent.Status == "requires_capture")
        {
            throw StandInError.UnexpectedState(
                $"This PaymentIntent ({intent.Id}) has not been captured, so there is nothing to refund; cancel it to release the authorization.",
                ToJson(intent));
        }
        if (intent.Status != "succeeded")
        {
            throw StandInError.UnexpectedState(
                $"This PaymentIntent ({intent.Id}) does not have a successful charge to refund.", ToJson(intent));
        }
        var remaining = intent.AmountReceived - intent.AmountRefunded;
        if (remaining == 0)
        {
            throw StandInError.Invalid($"Charge {intent.LatestCharge} has already been refunded.", "charge_already_refunded", null);
        }
        var amount = requested ?? remaining;
        if (amount < 1)
        {
            throw StandInError.Invalid("Refund amount must be a positive integer.", "parameter_invalid_integer", "amount");
        }
        if (amount > remaining)
        {
            throw StandInError.Invalid(
                $"Refund amount ({Money(amount, intent.Currency)}) is greater than unrefunded amount on charge ({Money(remaining, intent.Currency)})",
                "amount_too_large", "amount");
        }
        intent.AmountRefunded += amount;
        var refund = new Refund(NewId("re"), ++_sequence, Now(), amount, intent.Currency, intent.Id, intent.LatestCharge!, reason, metadata);
        _refunds.Add(refund.Id, refund);
        return ToJson(refund);
    }

    // ------------------------------------------------------------------ helpers

    private static void CheckAmount(long amount, string currency, string param)
    {
        if (amount < 1)
        {
            throw StandInError.Invalid("This value must be greater than or equal to 1.", "parameter_invalid_integer", param, beforeExecution: true);
        }
        if (currency == "usd" && amount < 50)
        {
            throw StandInError.Invalid("Amount must be at least $0.50 usd", "amount_too_small", param);
        }
        if (amount > 99_999_999)
        {
            throw StandInError.Invalid("Amount must be no more than $999,999.99", "amount_too_large", param);
        }
    }

    private static void MergeMetadata(Dictionary<string, string> target, Dictionary<string, string> update)
    {
        foreach (var (key, value) in update)
        {
            // Stripe removes a key sent with an empty value.
            if (value.Length == 0)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = value;
            }
        }
    }

    private static string Money(long cents, string currency) =>
        currency == "usd" ? "$" + (cents / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : cents + " " + currency;

    private static JsonObject CardError(StandInDecline decline, string? charge, JsonObject? paymentMethod)
    {
        var error = new JsonObject();
        if (charge is not null)
        {
            error["charge"] = charge;
        }
        error["code"] = decline.Code;
        error["decline_code"] = decline.DeclineCode;
        error["doc_url"] = "https://stripe.com/docs/error-codes/" + decline.Code.Replace('_', '-');
        error["message"] = decline.Message;
        if (paymentMethod is not null)
        {
            error["payment_method"] = paymentMethod;
        }
        error["type"] = "card_error";
        return error;
    }

    private Customer FindCustomer(string id, string param) =>
        _customers.GetValueOrDefault(id) ?? throw StandInError.Missing("customer", id, param);

    private PaymentMethod FindPaymentMethod(string id, string param) =>
        _paymentMethods.GetValueOrDefault(id) ?? throw StandInError.Missing("PaymentMethod", id, param);

    private PaymentIntent FindPaymentIntent(string id, string param = "intent") =>
        _paymentIntents.GetValueOrDefault(id) ?? throw StandInError.Missing("payment_intent", id, param);

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();

    private static string NewId(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..24];

    private static JsonObject Metadata(Dictionary<string, string> metadata)
    {
        var json = new JsonObject();
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json[key] = value;
        }
        return json;
    }

    private static JsonObject ToJson(Customer c) => new()
    {
        ["id"] = c.Id,
        ["object"] = "customer",
        ["created"] = c.Created,
        ["description"] = c.Description,
        ["email"] = c.Email,
        ["invoice_settings"] = new JsonObject { ["default_payment_method"] = c.DefaultPaymentMethod },
        ["livemode"] = false,
        ["metadata"] = Metadata(c.Metadata),
        ["name"] = c.Name,
    };

    private static JsonObject ToJson(PaymentMethod pm) => new()
    {
        ["id"] = pm.Id,
        ["object"] = "payment_method",
        ["card"] = new JsonObject
        {
            ["brand"] = pm.Card.Brand,
            ["country"] = "US",
            ["exp_month"] = pm.ExpMonth,
            ["exp_year"] = pm.ExpYear,
            ["funding"] = "credit",
            ["last4"] = pm.Card.Last4,
        },
        ["created"] = pm.Created,
        ["customer"] = pm.CustomerId,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["type"] = "card",
    };

    private static JsonObject ToJson(PaymentIntent pi) => new()
    {
        ["id"] = pi.Id,
        ["object"] = "payment_intent",
        ["amount"] = pi.Amount,
        ["amount_capturable"] = pi.AmountCapturable,
        ["amount_received"] = pi.AmountReceived,
        ["canceled_at"] = pi.CanceledAt,
        ["cancellation_reason"] = pi.CancellationReason,
        ["capture_method"] = pi.CaptureMethod,
        ["confirmation_method"] = "automatic",
        ["created"] = pi.Created,
        ["currency"] = pi.Currency,
        ["customer"] = pi.CustomerId,
        ["description"] = pi.Description,
        ["last_payment_error"] = pi.LastPaymentError?.DeepClone(),
        ["latest_charge"] = pi.LatestCharge,
        ["livemode"] = false,
        ["metadata"] = Metadata(pi.Metadata),
        ["next_action"] = pi.NextAction?.DeepClone(),
        ["payment_method"] = pi.PaymentMethodId,
        // What was allowed, and (all of it here: the stand-in takes cards only) what is compatible.
        ["allowed_payment_method_types"] = new JsonArray(pi.PaymentMethodTypes.Select(t => (JsonNode)t).ToArray()),
        ["payment_method_types"] = new JsonArray(pi.PaymentMethodTypes.Select(t => (JsonNode)t).ToArray()),
        ["status"] = pi.Status,
    };

    private static JsonObject ToJson(Refund r) => new()
    {
        ["id"] = r.Id,
        ["object"] = "refund",
        ["amount"] = r.Amount,
        ["charge"] = r.Charge,
        ["created"] = r.Created,
        ["currency"] = r.Currency,
        ["metadata"] = Metadata(r.Metadata),
        ["payment_intent"] = r.PaymentIntentId,
        ["reason"] = r.Reason,
        ["status"] = "succeeded",
    };

    internal sealed class Customer(string id, long sequence, long created)
    {
        public string Id { get; } = id;
        public long Sequence { get; } = sequence;
        public long Created { get; } = created;
        public string? Email { get; set; }
        public string? Name { get; set; }
        public string? Description { get; set; }
        public string? DefaultPaymentMethod { get; set; }
        public Dictionary<string, string> Metadata { get; init; } = new(StringComparer.Ordinal);
    }

    internal sealed class PaymentMethod(string id, long sequence, long created, StandInTestCard card)
    {
        public string Id { get; } = id;
        public long Sequence { get; } = sequence;
        public long Created { get; } = created;
        public StandInTestCard Card { get; } = card;
        public int ExpMonth { get; } = 12;
        public int ExpYear => DateTimeOffset.FromUnixTimeSeconds(Created).Year + 3;
        public string? CustomerId { get; set; }
    }

    internal sealed class PaymentIntent(string id, long sequence, long created, long amount, string currency, string captureMethod)
    {
        public string Id { get; } = id;
        public long Sequence { get; } = sequence;
        public long Created { get; } = created;
        public long Amount { get; } = amount;
        public string Currency { get; } = currency;
        public string CaptureMethod { get; } = captureMethod;
        public string Status { get; set; } = "requires_payment_method";
        public long AmountCapturable { get; set; }
        public long AmountReceived { get; set; }
        public long AmountRefunded { get; set; }
        public string? CustomerId { get; init; }
        public string? PaymentMethodId { get; set; }
        public string? Description { get; init; }
        public string? LatestCharge { get; set; }
        public JsonObject? LastPaymentError { get; set; }
        public JsonObject? NextAction { get; set; }
        public string? CancellationReason { get; set; }
        public long? CanceledAt { get; set; }
        public List<string> PaymentMethodTypes { get; init; } = ["card"];
        public Dictionary<string, string> Metadata { get; init; } = new(StringComparer.Ordinal);
    }

    internal sealed record Refund(
        string Id, long Sequence, long Created, long Amount, string Currency, string PaymentIntentId, string Charge, string? Reason,
        Dictionary<string, string> Metadata);
}
