"""Answer exports (issue 15), the mechanics: what is asked (:mod:`.request`), the rows read
in pages (:mod:`.source`), the sheets and their cells (:mod:`.plan`, on
:mod:`engine.columns`), and the files written as the rows come (:mod:`.writers`). The
verbs, the rights and the jobs are :mod:`webapp.services.exports`'s."""
