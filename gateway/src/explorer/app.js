/* global GraphiQL, React, ReactDOM */
/* The OSR graph explorer: GraphiQL against this gateway, the headline query preloaded. */
(function () {
  var headline = [
    'query BoardOverview($nummer: ID!) {',
    '  board(bevoegdGezagNummer: $nummer) {',
    '    bevoegdGezagNummer name',
    '    schools {',
    '      brin name sector',
    '      aanleverpunten { index kind active }',
    '      mandates(services: [OSO_OV, OSO_SWV]) {',
    '        service { code name }',
    '        status startDate endDate',
    '        system { name supplier { oin name } }',
    '      }',
    '    }',
    '    agreements { type status services }',
    '  }',
    '  supportContacts { channel value validFrom validUntil }',
    '}',
    '',
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('explorer'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: headline,
      variables: JSON.stringify({ nummer: '41234' }, null, 2),
      // Paste a token here as {"Authorization": "Bearer ..."} (npm run token); without one: public data.
      headers: '{}',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
})();
