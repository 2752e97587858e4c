// Zones page (being written).
export default {
  path: '/zones',
  title: 'Zones',
  nav: true,
  async render(ctx) {
    ctx.el.append(ctx.h('h1', null, 'Zones'), ctx.h('p', null, 'Coming soon.'));
  },
};
