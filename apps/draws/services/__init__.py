"""The draws context's services (import topic modules: ``from apps.draws.services import ...``).

- ``assemblies``: generation from the calendar, the state machine, the verifiable draw's
  commitment and snapshot, the extraction (operator or adapter);
- ``bids``: sealed bids (place, replace, withdraw) with their receipts;
- ``award_count``: how many awards the money allows (A7), pure;
- ``result_outcome``: an assembly's outcome as a pure function of its recorded inputs;
- ``results``: computing (once, locked) and publishing the results;
- ``awards``: starting awards, confirming paid bids, lapses passed to reserves, cancellation;
- ``result_jobs``: computing the results as a job with live progress;
- ``minutes``: the minutes (ata) of an assembly as a PDF document of the group;
- ``lottery``: Loteria Federal extractions, parsers of published results, operator input;
- ``lottery_source``: adapters that fetch extractions (fake, Caixa's API);
- ``draw_methods``: methods A, B, C with the neighbour search, the excluded-quota draw, bid
  tie-break order, each returning its whole trace;
- ``verifiable``: the verifiable electronic draw (commitment, snapshot, key, winners).
"""
